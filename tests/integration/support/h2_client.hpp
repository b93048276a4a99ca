// A small HTTP/2 client for integration tests (examples/common/h2_client_session, nghttp2's
// session API, over net::transport): h2c with prior knowledge or TLS with ALPN h2, any number of
// requests sent at once as concurrent streams on one connection, each answered with its status,
// fields, body and trailers or the code of the RST_STREAM that ended it. A stream can be reset by
// the client after a delay. Only 127.0.0.1; every wait is bounded; failures come back in
// `error`, never thrown.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/h2_client_session.hpp"
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

// Status, fields, body, trailers, whether and how the stream ended.
using h2_response = examples::h2_answer;

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
