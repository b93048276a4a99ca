// The request of one HTTP/2 stream as it arrives (pseudo-header and regular fields, DATA),
// checked against the limits and turned, at END_STREAM, into the same immutable
// upstream::forwarded_request the HTTP/1.1 path builds: :authority becomes Host, then
// choose_request_id, framing_problem, check_request_line and forward (X-Forwarded-*,
// X-Request-Id, hop-by-hop stripping). nghttp2 has already refused what HTTP/2 forbids
// (connection-specific fields, a Content-Length the DATA does not match, bad pseudo-headers).
//
// Plain data, no I/O: used by h2_stream on a worker thread and by the fuzz target. A refusal is
// a verdict (status and words of the proxy's JSON error), never thrown.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "shadowproxy/config/config.hpp"
#include "shadowproxy/proxy/request_rules.hpp"
#include "shadowproxy/upstream/forwarded_request.hpp"

namespace shadowproxy::proxy {

// 0: go on; else the status the proxy answers, its message and (405) the Allow value.
struct h2_verdict {
    unsigned status = 0;
    std::string message;
    std::string allow;
};

class h2_request_builder {
public:
    // `limits` must outlive the builder (the worker's config snapshot does).
    explicit h2_request_builder(const config::limits_config& limits);

    // One field; `trailer`: of a trailer section (dropped, like HTTP/1.1 trailers).
    void add_field(std::string_view name, std::string_view value, bool trailer);
    // After the head: 431 over max_header_bytes (RFC 9113 field sizes) or max_header_fields,
    // 413 when Content-Length announces more than max_body_bytes.
    h2_verdict head_verdict() const;
    // false (then 413) when the body grows past max_body_bytes.
    bool add_body(std::string_view bytes);
    // At END_STREAM: the request rules; on 0 the request is built (request()).
    h2_verdict finish(std::string_view client_address, std::string_view owned_header, bool tls);

    const std::string& request_id() const { return request_id_; }
    std::size_t trailer_fields() const { return trailer_fields_; }
    std::shared_ptr<const upstream::forwarded_request> request() const { return request_; }

private:
    const config::limits_config& limits_;
    net::request_head head_;
    std::string body_;
    std::string authority_;
    std::size_t header_bytes_ = 0;
    std::size_t header_fields_ = 0;
    std::size_t trailer_fields_ = 0;
    std::string request_id_;
    std::shared_ptr<const upstream::forwarded_request> request_;
};

}  // namespace shadowproxy::proxy
