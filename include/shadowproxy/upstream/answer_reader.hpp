// Reads one upstream answer (HTTP/1.1) into a net::response_head and hands its body out as pieces
// of the read buffer, as answer_parser does, with a fast path for the usual model answer: a
// plain head (HTTP/1.1, final status 200–599 other than 204/304, one Content-Length, no
// Transfer-Encoding, Connection absent or exactly keep-alive/close, only printable ASCII) is
// scanned in one pass and its body counted off by length, without Beast's parser. Anything else
// (chunked, close-delimited, 1xx, HEAD answers, duplicate or odd framing fields, obs-fold, bytes
// outside printable ASCII, an incomplete head) goes to answer_parser, whose rules and errors then
// apply unchanged. The fast path accepts a subset of what answer_parser accepts and gives the same
// head, length and keep-alive: fuzz/fuzz_response_head.cpp checks both against each other.
//
// Owned by one http1_exchange, on its thread; reset() starts the next answer.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "shadowproxy/net/field_list.hpp"
#include "shadowproxy/upstream/answer_parser.hpp"

namespace shadowproxy::upstream {

class answer_reader {
public:
    answer_reader(net::response_head& head, std::size_t header_limit)
        : head_(head), header_limit_(header_limit) {}

    // Starts a new answer (to a HEAD request: no body follows), emptying the head.
    void reset(bool head_request);

    // As basic_parser::put with eager parsing: the head first (need_more until it is whole),
    // then at most one body piece per call, kept until take_piece() (need_buffer meanwhile).
    std::size_t put(boost::asio::const_buffer buffer, boost::beast::error_code& ec);
    std::string_view take_piece();

    bool is_header_done() const;
    bool is_done() const;
    std::optional<std::uint64_t> content_length() const;
    bool keep_alive() const;
    bool need_eof() const;
    void put_eof(boost::beast::error_code& ec);

    // This answer's head was taken by the fast path (then the head is done: fast_ is also the
    // fast path's header-done state).
    bool fast() const { return fast_; }

private:
    // Scans a whole head at the start of `bytes`: its length when the fast path takes it, 0 when
    // answer_parser must (the head may also be incomplete or too long).
    std::size_t scan_head(std::string_view bytes);
    answer_parser& slow();

    net::response_head& head_;
    const std::size_t header_limit_;
    bool head_request_ = false;
    bool fast_ = false;
    bool keep_alive_ = true;
    std::uint64_t length_ = 0;
    std::uint64_t remaining_ = 0;
    std::string_view piece_;
    std::optional<answer_parser> parser_;
};

}  // namespace shadowproxy::upstream
