// An HTTP/1.1 request parser that keeps the head in a net::request_head (no allocation per
// field: Beast's basic_fields allocates and links an element for each) and the de-chunked body
// in a string.
//
// The usual model request takes a fast path: a plain head (token method, a target of visible
// ASCII, HTTP/1.1 or 1.0, fields as net::scan_plain_fields takes them: no Transfer-Encoding, at
// most one plain Content-Length within the body limit) is scanned in one pass and its body
// counted off by length. Anything else goes to Beast's basic_parser, which does the framing:
// request line, field syntax, Content-Length and Transfer-Encoding (duplicates and conflicts
// refused), chunk lines, header and body limits, its errors unchanged. The fast path accepts a
// subset of what Beast accepts and reads it the same: fuzz/fuzz_request.cpp checks every input
// against Beast's own request_parser.
//
// The last chunk's trailer section is checked whole before Beast parses it (Beast would unfold
// an obs-fold), then its fields are counted, never kept: trailer fields are not merged into the
// forwarded head (RFC 9110 §6.5.1).
//
// Owned by one client_session, on its worker's thread; the fuzz target drives it the same way.
// Errors are Beast's, through put()'s error_code; a refused trailer section is
// http::error::bad_field with its reason in trailer_problem().
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "shadowproxy/net/field_list.hpp"

namespace shadowproxy::proxy {

class request_parser final : private boost::beast::http::basic_parser<true> {
    using base = boost::beast::http::basic_parser<true>;
    using error_code = boost::beast::error_code;
    using string_view = boost::beast::string_view;

public:
    using base::eager;

    void header_limit(std::uint32_t bytes);
    void body_limit(std::uint64_t bytes);

    // Parses what it can of `bytes`, as basic_parser::put; returns the bytes used. The first
    // call must be given the whole head.
    std::size_t put(boost::asio::const_buffer bytes, error_code& ec);

    bool is_header_done() const { return fast_ || base::is_header_done(); }
    bool is_done() const { return fast_ ? remaining_ == 0 : base::is_done(); }
    bool chunked() const { return !fast_ && base::chunked(); }
    // The head was a plain one, read without Beast: no obs-fold in it, every field in head().
    bool fast() const { return fast_; }

    net::request_head& head() { return head_; }
    std::string& body() { return body_; }
    std::size_t trailer_fields() const { return trailer_fields_; }
    // Why the trailer section was refused; empty when it was not.
    const std::string& trailer_problem() const { return trailer_problem_; }

private:
    // The bytes of a plain head, read into head_; 0 when the head is not plain.
    std::size_t scan_head(std::string_view bytes);

    void on_request_impl(boost::beast::http::verb, string_view method, string_view target,
                         int version, error_code&) override;
    void on_response_impl(int, string_view, int, error_code&) override {}
    void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                       error_code&) override;
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                           error_code&) override;
    std::size_t on_body_impl(string_view bytes, error_code&) override;
    void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
    std::size_t on_chunk_body_impl(std::uint64_t, string_view bytes, error_code&) override;
    void on_finish_impl(error_code&) override {}

    std::uint32_t header_limit_ = 8192;  // Beast's defaults for a request
    std::uint64_t body_limit_ = 1024 * 1024;
    bool fast_ = false;
    std::uint64_t remaining_ = 0;  // fast path: body bytes still to come
    net::request_head head_;
    std::string body_;
    std::size_t trailer_fields_ = 0;
    std::string trailer_problem_;
    const char* fed_end_ = nullptr;  // end of the bytes given to the current put()
};

}  // namespace shadowproxy::proxy
