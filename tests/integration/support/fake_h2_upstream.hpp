// A scriptable HTTP/2 upstream for integration tests: h2c (prior knowledge) over plain TCP, or
// h2 over TLS chosen by ALPN (or, with offer_h2 false, a TLS server that selects no protocol).
// An nghttp2 server session per connection on its own thread (Asio); the script, called on that
// thread per request, picks the status, fields, body, trailers, a delay, a stream reset or a
// GOAWAY after the answer. Records every request (pseudo-fields as :method, :path, :authority)
// and counts connections, so tests can assert on multiplexing.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/fake_upstream.hpp"

namespace shadowproxy::testing {

struct h2_reply {
    unsigned status = 200;
    std::vector<std::pair<std::string, std::string>> headers{{"content-type", "application/json"}};
    std::string body = R"({"prediction":1})";
    std::vector<std::pair<std::string, std::string>> trailers;  // sent after the body
    std::chrono::milliseconds delay{0};
    bool reset = false;   // RST_STREAM (INTERNAL_ERROR) instead of an answer
    bool goaway = false;  // GOAWAY after this answer (the connection then ends)
};

using h2_script = std::function<h2_reply(const received_request&)>;

struct fake_h2_options {
    std::optional<fake_tls> tls;  // h2 over TLS; none = h2c
    bool offer_h2 = true;         // TLS: select h2 by ALPN (false: select nothing)
    std::uint32_t max_concurrent_streams = 100;
};

class fake_h2_upstream {
public:
    explicit fake_h2_upstream(h2_script behaviour = {}, fake_h2_options options = {});
    ~fake_h2_upstream();
    fake_h2_upstream(const fake_h2_upstream&) = delete;
    fake_h2_upstream& operator=(const fake_h2_upstream&) = delete;

    unsigned short port() const;
    std::string url() const;
    std::size_t connections() const;
    std::size_t request_count() const;
    std::vector<received_request> requests() const;

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

}  // namespace shadowproxy::testing
