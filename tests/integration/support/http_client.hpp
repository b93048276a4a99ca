// Blocking HTTP/1.1 client helpers for integration tests, every call bounded by a timeout.
// Only 127.0.0.1. A transport failure comes back as status 0 with `error` set, never thrown.
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
    explicit http_connection(unsigned short port);
    ~http_connection();
    http_response send(const std::string& method, const std::string& target,
                       const std::string& body = {}, const header_list& headers = {},
                       std::chrono::milliseconds timeout = default_timeout);
    bool connected() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// Writes `bytes` on a new connection, then reads until the peer closes or `timeout` passes;
// returns everything read.
std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The status code of the first response in raw bytes ("HTTP/1.1 400 ..." → 400), or 0.
unsigned first_status(const std::string& raw);

}  // namespace shadowproxy::testing
