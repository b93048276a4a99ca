#include "shadowproxy/proxy/port_owner.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <optional>
#include <system_error>

namespace shadowproxy::proxy {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Room for second starts asking the owner's pid at once; the owner never accepts them, and a
// start that finds the queue full still fails, only without the pid.
constexpr int mark_backlog = 16;

struct mark_address {
    sockaddr_un address{};
    socklen_t length = 0;
};

// "\0shadowproxy/listen-port/8080": an abstract name (leading NUL), so there is no file to leave
// behind or clean up.
mark_address mark_for(unsigned short port) {
    mark_address mark;
    mark.address.sun_family = AF_UNIX;
    const std::string name = "shadowproxy/listen-port/" + std::to_string(port);
    std::memcpy(mark.address.sun_path + 1, name.data(), name.size());
    mark.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    return mark;
}

const sockaddr* as_sockaddr(const mark_address& mark) {
    return reinterpret_cast<const sockaddr*>(&mark.address);
}

std::string error_text(int error) {
    return std::system_category().message(error);
}

// The pid of the process holding the mark, when it can be asked (0 from the kernel: the owner is
// in a PID namespace this process cannot see).
std::optional<pid_t> owner_pid(const mark_address& mark) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return std::nullopt;
    }
    std::optional<pid_t> pid;
    ucred peer{};
    socklen_t size = sizeof(peer);
    if (::connect(fd, as_sockaddr(mark), mark.length) == 0 &&
        ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) == 0 && peer.pid > 0) {
        pid = peer.pid;
    }
    ::close(fd);
    return pid;
}

// A bind without SO_REUSEPORT fails when any socket listens on the port: another program, or a
// shadowproxy without the mark. SO_REUSEADDR lets it pass this process's first worker socket,
// bound but not listening yet, and connections in TIME_WAIT.
void refuse_other_listeners(const tcp::endpoint& where) {
    asio::io_context context;
    tcp::acceptor probe{context};
    boost::system::error_code ec;
    probe.open(where.protocol(), ec);
    if (!ec) {
        probe.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        probe.bind(where, ec);
    }
    if (ec) {
        throw listen_error(where, ec.message());
    }
}

}  // namespace

std::runtime_error listen_error(const tcp::endpoint& where, const std::string& reason) {
    return std::runtime_error("cannot listen on " + where.address().to_string() + ":" +
                              std::to_string(where.port()) + ": " + reason);
}

port_owner::port_owner(const tcp::endpoint& where) {
    const auto mark = mark_for(where.port());
    mark_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (mark_ < 0) {
        throw listen_error(where, "cannot mark the port as taken: " + error_text(errno));
    }
    if (::bind(mark_, as_sockaddr(mark), mark.length) != 0 || ::listen(mark_, mark_backlog) != 0) {
        const int error = errno;
        ::close(mark_);
        if (error != EADDRINUSE) {
            throw listen_error(where, "cannot mark the port as taken: " + error_text(error));
        }
        const auto pid = owner_pid(mark);
        throw listen_error(where, "another shadowproxy" +
                                      (pid ? " (pid " + std::to_string(*pid) + ")" : "") +
                                      " is already serving port " + std::to_string(where.port()));
    }
    try {
        refuse_other_listeners(where);
    } catch (...) {
        ::close(mark_);
        throw;
    }
}

port_owner::~port_owner() {
    ::close(mark_);
}

}  // namespace shadowproxy::proxy
