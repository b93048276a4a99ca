// An HTTP/1.1 response parser that keeps the head in a net::response_head the exchange reuses
// (no allocation per field) and hands out body bytes where they lie in the read buffer, one
// piece per put(), instead of copying them into a body. Beast's basic_parser still does the
// framing: status line, field syntax, Content-Length and chunked, header and body limits.
// Trailer fields after a chunked body are parsed (and checked) but not kept.
//
// Owned by one http1_exchange, on its thread. Errors are Beast's, through put()'s error_code;
// after a piece was taken, put() stops with http::error::need_buffer until take_piece().
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string_view>

#include "shadowproxy/net/field_list.hpp"

namespace shadowproxy::upstream {

class answer_parser final : public boost::beast::http::basic_parser<false> {
    using error_code = boost::beast::error_code;
    using string_view = boost::beast::string_view;
    using field_name = boost::beast::http::field;

public:
    // Empties `head` and fills it as the head is parsed; `head` outlives the parser.
    explicit answer_parser(net::response_head& head) : head_(head) { head_.clear(); }

    // The body bytes the last put() went over (empty when none), inside the buffer given to
    // it; valid until that buffer changes.
    std::string_view take_piece() {
        const std::string_view piece = piece_;
        piece_ = {};
        return piece;
    }

private:
    void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                         error_code&) override {}
    void on_response_impl(int code, string_view reason, int version, error_code&) override {
        head_.status = static_cast<unsigned>(code);
        head_.reason.assign(reason.data(), reason.size());
        head_.version = static_cast<unsigned>(version);
    }
    void on_field_impl(field_name, string_view name, string_view value, error_code&) override {
        if (!is_header_done()) {
            head_.fields.add({name.data(), name.size()}, {value.data(), value.size()});
        }
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
    std::size_t on_body_impl(string_view body, error_code& ec) override {
        if (!piece_.empty()) {
            ec = boost::beast::http::error::need_buffer;
            return 0;
        }
        piece_ = {body.data(), body.size()};
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override {
        return on_body_impl(body, ec);
    }
    void on_finish_impl(error_code&) override {}

    net::response_head& head_;
    std::string_view piece_;
};

}  // namespace shadowproxy::upstream
