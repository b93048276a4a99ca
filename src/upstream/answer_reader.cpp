#include "shadowproxy/upstream/answer_reader.hpp"

#include <algorithm>
#include <bit>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "shadowproxy/net/http_chars.hpp"

namespace shadowproxy::upstream {

namespace {

namespace http = boost::beast::http;

using net::iequals;

// Printable ASCII, SP and HTAB: what the fast path takes in a reason phrase or a field value.
bool is_text(char c) {
    return (c >= 0x20 && c < 0x7F) || c == '\t';
}

// The first byte from `p` on that is not text, or `end`. Sixteen bytes at a time where SSE2 is
// there (every x86-64), never loading past `end`.
const char* skip_text(const char* p, const char* end) {
#if defined(__SSE2__)
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i del = _mm_set1_epi8(0x7F);
    const __m128i tab = _mm_set1_epi8('\t');
    while (end - p >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        // The compare is signed, so bytes 0x80-0xFF count as below SP, with the controls.
        const __m128i stop = _mm_andnot_si128(
            _mm_cmpeq_epi8(v, tab), _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, del)));
        const auto mask = static_cast<unsigned>(_mm_movemask_epi8(stop));
        if (mask != 0) {
            return p + std::countr_zero(mask);
        }
        p += 16;
    }
#endif
    while (p != end && is_text(*p)) {
        ++p;
    }
    return p;
}

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

// One plain decimal: digits only, no sign, no list, no leading zero, far from overflow.
bool parse_length(std::string_view value, std::uint64_t& length) {
    if (value.empty() || value.size() > 18 || (value.size() > 1 && value[0] == '0')) {
        return false;
    }
    std::uint64_t n = 0;
    for (const char c : value) {
        if (c < '0' || c > '9') {
            return false;
        }
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    length = n;
    return true;
}

enum class framing { none, length, connection, other };

// The fields that decide framing or the connection's fate; compared only when the size matches.
framing framing_field(std::string_view name) {
    switch (name.size()) {
        case 7:
            return iequals(name, "upgrade") ? framing::other : framing::none;
        case 10:
            return iequals(name, "connection") ? framing::connection : framing::none;
        case 14:
            return iequals(name, "content-length") ? framing::length : framing::none;
        case 16:
            return iequals(name, "proxy-connection") ? framing::other : framing::none;
        case 17:
            return iequals(name, "transfer-encoding") ? framing::other : framing::none;
        default:
            return framing::none;
    }
}

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
    // Each line is checked whole first, in one pass: up to its first byte that is not text, which
    // must be the CR of a CRLF. Its parts' character loops then need no bound: the CR is in
    // neither class and stops them.
    const auto line_end = [end](const char* from) -> const char* {
        const char* const cr = skip_text(from, end);
        return end - cr >= 2 && cr[0] == '\r' && cr[1] == '\n' ? cr : nullptr;
    };

    constexpr std::string_view version = "HTTP/1.1 ";
    const char* cr = line_end(begin);
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
    p = cr + 2;

    bool have_length = false;
    bool have_connection = false;
    for (;;) {
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            cr = p;
            break;  // the empty line: the head ends
        }
        cr = line_end(p);
        if (cr == nullptr) {
            return 0;  // incomplete, longer than the limit, a bare CR or LF, or a byte not text
        }
        const char* const name_at = p;
        while (net::is_token_char(*p)) {
            ++p;
        }
        if (p == name_at || *p != ':') {
            return 0;  // also an obs-fold line, which starts with a space
        }
        const std::string_view name(name_at, static_cast<std::size_t>(p - name_at));
        ++p;
        while (is_space(*p)) {
            ++p;
        }
        const char* const value_at = p;
        p = cr;
        while (p > value_at && is_space(p[-1])) {
            --p;
        }
        const std::string_view value(value_at, static_cast<std::size_t>(p - value_at));
        p = cr + 2;

        switch (framing_field(name)) {
            case framing::length:
                if (have_length || !parse_length(value, length_)) {
                    return 0;
                }
                have_length = true;
                break;
            case framing::connection:
                if (have_connection) {
                    return 0;
                }
                have_connection = true;
                if (iequals(value, "close")) {
                    keep_alive_ = false;
                } else if (!iequals(value, "keep-alive")) {
                    return 0;
                }
                break;
            case framing::other:
                return 0;
            case framing::none:
                break;
        }
        head_.fields.add(name, value);
    }
    return have_length ? static_cast<std::size_t>(cr + 2 - begin) : 0;
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
