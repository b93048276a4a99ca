// Blocking HTTP/1.1 client helpers for integration tests, every call bounded by a timeout, over
// plain TCP or TLS (tls_client: the CA it trusts, optionally its own certificate). Only
// 127.0.0.1. A transport failure comes back as status 0 with `error` set, never thrown.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace shadowproxy::testing {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_response {
    unsigned status = 0;  // 0: no response (see error)
    header_list headers;
    std::string body;
    std::string error;
    std::string header(const std::string& name) const;  // case-insensitive; empty if absent
    bool has_header(const std::string& name) const;
};

constexpr std::chrono::milliseconds default_timeout{10000};

struct tls_client {
    std::string ca_file;  // verifies the server's certificate for `server_name`
    std::string server_name = "localhost";
    std::string cert_file;  // optional client certificate, with key_file
    std::string key_file;
};

// One request on a new connection.
http_response http_request(unsigned short port, const std::string& method,
                           const std::string& target, const std::string& body = {},
                           const header_list& headers = {},
                           std::chrono::milliseconds timeout = default_timeout);

inline http_response http_get(unsigned short port, const std::string& target,
                              std::chrono::milliseconds timeout = default_timeout) {
    return http_request(port, "GET", target, {}, {}, timeout);
}

// A keep-alive connection: several requests in sequence on one socket.
class http_connection {
public:
    explicit http_connection(unsigned short port, const tls_client* tls = nullptr);
    ~http_connection();
    http_response send(const std::string& method, const std::string& target,
                       const std::string& body = {}, const header_list& headers = {},
                       std::chrono::milliseconds timeout = default_timeout);
    bool connected() const;
    // TLS only, after the handshake: the server certificate's common name, whether the session
    // was resumed, and the protocol ALPN chose ("" for none).
    std::string peer_name() const;
    std::string alpn() const;
    // The handshake's or connection's failure, "" while none.
    std::string error() const;
    // Writes raw bytes on the TCP socket under the TLS layer (robustness tests).
    void write_raw(const std::string& bytes);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// One request over TLS on a new connection.
http_response https_request(unsigned short port, const tls_client& tls, const std::string& method,
                            const std::string& target, const std::string& body = {},
                            std::chrono::milliseconds timeout = default_timeout);

// Writes `bytes` on a new connection, then reads until the peer closes or `timeout` passes;
// returns everything read.
std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The status code of the first response in raw bytes ("HTTP/1.1 400 ..." → 400), or 0.
unsigned first_status(const std::string& raw);

}  // namespace shadowproxy::testing
