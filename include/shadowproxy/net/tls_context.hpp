// OpenSSL contexts built from the config's TLS sections: the listeners' server contexts (TLS 1.2
// minimum, no renegotiation, ALPN http/1.1, optional client certificates) and the upstreams'
// client contexts (verification against the system store or a CA file, SNI and the host name
// checked, optional client certificate), with what a failed handshake is logged as.
//
// Built on the control thread (start-up, reloads); a context is then shared read-only by every
// thread that holds its shared_ptr (OpenSSL contexts are safe for that). Building throws
// std::runtime_error naming the file OpenSSL refused; the config loader has checked the files
// before, so that happens only when a file changed in between.
#pragma once

#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "shadowproxy/config/config.hpp"

namespace shadowproxy::net {

std::shared_ptr<boost::asio::ssl::context> make_server_context(const config::listener_tls& tls);

// The TLS side of one https:// upstream, shared by its pools (one per worker, or the mirror's).
struct client_tls {
    // `http2`: ALPN offers only "h2" (protocol: h2), else only "http/1.1".
    client_tls(const config::upstream_tls& tls, const std::string& url_host, bool http2 = false);

    boost::asio::ssl::context context;
    std::string name;  // sent as SNI (unless an IP address) and checked against the certificate
    bool verify = true;

    // Readies a new connection's SSL before its handshake: SNI, the name to verify.
    void prepare(SSL* ssl) const;
    // Logs why a handshake with `upstream` failed (the verification result when there is one:
    // unknown CA, hostname mismatch, expired), at most once a second per upstream; the failures
    // in between are counted in the next line. Any thread.
    void log_failure(const std::string& upstream, SSL* ssl,
                     const boost::system::error_code& ec) const;

private:
    mutable std::atomic<std::int64_t> logged_at_ms_{0};
    mutable std::atomic<std::uint64_t> unlogged_{0};
};

// Why a handshake failed, in words: the certificate verification result when there is one,
// else the TLS error.
std::string describe_failure(SSL* ssl, const boost::system::error_code& ec);

}  // namespace shadowproxy::net
