// One shadowproxy per listen port. The workers' listeners share their port through
// SO_REUSEPORT, which the kernel grants to every socket of the same user that sets it, and it
// then splits new connections between them: a second shadowproxy started on a serving port by
// mistake would bind it too and silently take part of the traffic. A port_owner marks the port
// as this process's with an abstract Unix socket named after it (one namespace per network
// namespace, like ports; the kernel frees it when the process ends, however it ends), and
// refuses a port on which any other socket already listens.
//
// Start-up sequence (application): the first worker binds (not listening yet, so no connection
// can reach it), a port_owner is made for the bound endpoint, the other workers bind, then all
// listen. Every shadowproxy takes the mark before its listeners listen and keeps it while they
// are open, so two of them never listen on one port at once, however their starts interleave.
// Owned by the application; control thread only. Fails by throwing std::runtime_error
// "cannot listen on ADDRESS:PORT: REASON", which `serve` turns into exit code 2.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <stdexcept>
#include <string>

namespace shadowproxy::proxy {

// The error of every listener that cannot start: names the address and port.
std::runtime_error listen_error(const boost::asio::ip::tcp::endpoint& where,
                                const std::string& reason);

class port_owner {
public:
    // `where` holds the real port (the first worker's bound endpoint when the config says 0).
    explicit port_owner(const boost::asio::ip::tcp::endpoint& where);
    ~port_owner();
    port_owner(const port_owner&) = delete;
    port_owner& operator=(const port_owner&) = delete;

private:
    int mark_ = -1;
};

}  // namespace shadowproxy::proxy
