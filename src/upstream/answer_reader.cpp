#include "shadowproxy/upstream/answer_reader.hpp"

#include <algorithm>
#include <utility>

#include "shadowproxy/net/head_scan.hpp"

namespace shadowproxy::upstream {

namespace {

namespace http = boost::beast::http;

}  // namespace

void answer_reader::reset(bool head_request) {
    head_request_ = head_request;
    fast_ = false;
    keep_alive_ = true;
    length_ = 0;
    remaining_ = 0;
    piece_ = {};
    parser_.reset();
    head_.clear();
}

answer_parser& answer_reader::slow() {
    parser_.emplace(head_);
    parser_->header_limit(static_cast<std::uint32_t>(header_limit_));
    parser_->body_limit(boost::none);  // the relay streams any size; captures are bounded
    parser_->skip(head_request_);
    return *parser_;
}

std::size_t answer_reader::put(boost::asio::const_buffer buffer, boost::beast::error_code& ec) {
    ec = {};
    if (!parser_ && !fast_) {
        const std::size_t used =
            scan_head({static_cast<const char*>(buffer.data()), buffer.size()});
        if (used == 0) {
            slow();
        } else {
            fast_ = true;
            remaining_ = length_;
            return used;
        }
    }
    if (parser_) {
        const std::size_t used = parser_->put(buffer, ec);
        // The head alone first (the exchange reacts to it), then the body as it comes.
        if (parser_->is_header_done()) {
            parser_->eager(true);
        }
        return used;
    }
    if (!piece_.empty()) {
        ec = http::error::need_buffer;
        return 0;
    }
    if (remaining_ == 0) {
        return 0;
    }
    if (buffer.size() == 0) {
        ec = http::error::need_more;
        return 0;
    }
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), remaining_));
    piece_ = {static_cast<const char*>(buffer.data()), n};
    remaining_ -= n;
    return n;
}

std::size_t answer_reader::scan_head(std::string_view bytes) {
    if (head_request_) {
        return 0;
    }
    // Stricter than the parser's limit by a byte, so the fast path never takes a head it refuses.
    const char* const begin = bytes.data();
    const char* const end = begin + std::min(bytes.size(), header_limit_ - 1);

    constexpr std::string_view version = "HTTP/1.1 ";
    // The whole line is text: the version, the status and the reason phrase are checked within.
    const char* const cr = net::text_line_end(begin, end);
    if (cr == nullptr || cr - begin < static_cast<std::ptrdiff_t>(version.size() + 4) ||
        std::string_view(begin, version.size()) != version) {
        return 0;
    }
    const char* p = begin + version.size();
    unsigned status = 0;
    for (int i = 0; i < 3; ++i, ++p) {
        if (*p < '0' || *p > '9') {
            return 0;
        }
        status = status * 10 + static_cast<unsigned>(*p - '0');
    }
    if (status < 200 || status > 599 || status == 204 || status == 304 || *p++ != ' ') {
        return 0;
    }
    head_.status = status;
    head_.version = 11;
    head_.reason.assign(p, cr);
    net::plain_framing framing;
    const char* const head_end = net::scan_plain_fields(cr + 2, end, head_.fields, framing);
    if (head_end == nullptr || !framing.has_length) {
        return 0;
    }
    length_ = framing.content_length;
    keep_alive_ = !framing.close;
    return static_cast<std::size_t>(head_end - begin);
}

std::string_view answer_reader::take_piece() {
    if (parser_) {
        return parser_->take_piece();
    }
    return std::exchange(piece_, {});
}

bool answer_reader::is_header_done() const {
    return parser_ ? parser_->is_header_done() : fast_;
}

bool answer_reader::is_done() const {
    return parser_ ? parser_->is_done() : fast_ && remaining_ == 0;
}

std::optional<std::uint64_t> answer_reader::content_length() const {
    if (parser_) {
        if (const auto length = parser_->content_length()) {
            return *length;
        }
        return std::nullopt;
    }
    return length_;
}

bool answer_reader::keep_alive() const {
    return parser_ ? parser_->keep_alive() : keep_alive_;
}

bool answer_reader::need_eof() const {
    return parser_ && parser_->need_eof();
}

void answer_reader::put_eof(boost::beast::error_code& ec) {
    if (parser_) {
        parser_->put_eof(ec);
    } else {
        ec = http::error::partial_message;
    }
}

}  // namespace shadowproxy::upstream
