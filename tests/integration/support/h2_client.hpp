// A small HTTP/2 client for integration tests (nghttp2's session API over net::transport): h2c
// with prior knowledge or TLS with ALPN h2, any number of requests sent at once as concurrent
// streams on one connection, each answered with its status, fields, body and trailers or the code
// of the RST_STREAM that ended it. A stream can be reset by the client after a delay. Only
// 127.0.0.1; every wait is bounded; failures come back in `error`, never thrown.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/http_client.hpp"

namespace shadowproxy::testing {

struct h2_request {
    std::string method = "GET";
    std::string path = "/";
    std::string authority = "localhost";
    header_list headers;  // sent as they are (names should be lower-case)
    std::string body;
    // Set: the client resets the stream (RST_STREAM CANCEL) this long after sending it.
    std::optional<std::chrono::milliseconds> reset_after;
};

struct h2_response {
    unsigned status = 0;  // 0: no answer head
    header_list headers;
    std::string body;
    header_list trailers;          // the HEADERS frame after the body, if any
    bool closed = false;           // the stream ended (answered or reset)
    std::uint32_t reset_code = 0;  // the RST_STREAM error code that ended it, if any
    bool reset = false;
    std::string header(const std::string& name) const;
};

class h2_connection {
public:
    // Connects and sends the preface and SETTINGS; with `tls`, offers ALPN h2 only.
    explicit h2_connection(unsigned short port, const tls_client* tls = nullptr);
    ~h2_connection();
    h2_connection(const h2_connection&) = delete;
    h2_connection& operator=(const h2_connection&) = delete;

    bool connected() const;
    const std::string& error() const;
    std::string alpn() const;
    // Sends every request as its own stream at once; waits until all ended or `timeout`.
    std::vector<h2_response> exchange(const std::vector<h2_request>& requests,
                                      std::chrono::milliseconds timeout = default_timeout);
    // What the server announced and whether it said GOAWAY; whether the connection is closed.
    std::uint32_t max_concurrent_streams() const;
    bool goaway_received() const;
    // Waits (bounded) until the server closes the connection; true if it did.
    bool wait_closed(std::chrono::milliseconds timeout);

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

}  // namespace shadowproxy::testing
