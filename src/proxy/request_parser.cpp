#include "shadowproxy/proxy/request_parser.hpp"

#include <algorithm>
#include <boost/beast/http/error.hpp>

#include "shadowproxy/net/head_scan.hpp"
#include "shadowproxy/net/http_chars.hpp"
#include "shadowproxy/proxy/request_rules.hpp"

namespace shadowproxy::proxy {

void request_parser::header_limit(std::uint32_t bytes) {
    header_limit_ = bytes;
    base::header_limit(bytes);
}

void request_parser::body_limit(std::uint64_t bytes) {
    body_limit_ = bytes;
    base::body_limit(bytes);
}

std::size_t request_parser::put(boost::asio::const_buffer bytes, error_code& ec) {
    const std::string_view view(static_cast<const char*>(bytes.data()), bytes.size());
    if (!fast_ && !base::got_some()) {
        if (const std::size_t used = scan_head(view); used != 0) {
            fast_ = true;
            ec = {};
            return used;
        }
    }
    if (fast_) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(view.size(), remaining_));
        body_.append(view.data(), n);
        remaining_ -= n;
        ec = remaining_ != 0 && n == 0 ? boost::beast::http::error::need_more : error_code{};
        return n;
    }
    fed_end_ = view.data() + view.size();
    const std::size_t used = base::put(bytes, ec);
    fed_end_ = nullptr;
    return used;
}

std::size_t request_parser::scan_head(std::string_view bytes) {
    // Stricter than Beast's limit by a byte, so the fast path never takes a head it refuses.
    const char* const begin = bytes.data();
    const char* const end = begin + std::min<std::size_t>(bytes.size(), header_limit_ - 1);
    // The whole line is text; its CR is in neither class below and stops each loop.
    const char* const cr = net::text_line_end(begin, end);
    if (cr == nullptr) {
        return 0;
    }
    const char* p = begin;
    while (net::is_token_char(*p)) {
        ++p;
    }
    if (p == begin || *p != ' ') {
        return 0;
    }
    const char* const target = ++p;
    while (*p > 0x20 && *p < 0x7F) {
        ++p;
    }
    if (p == target || *p != ' ') {
        return 0;
    }
    const char* const version = ++p;
    if (cr - version != 8 || std::string_view(version, 7) != "HTTP/1." ||
        (version[7] != '0' && version[7] != '1')) {
        return 0;
    }
    net::plain_framing framing;
    const char* const head_end = net::scan_plain_fields(cr + 2, end, head_.fields, framing);
    if (head_end == nullptr || framing.content_length > body_limit_) {
        head_.fields.clear();  // Beast reads the head again
        return 0;
    }
    head_.method.assign(begin, target - 1);
    head_.target.assign(target, version - 1);
    head_.version = version[7] == '1' ? 11 : 10;
    remaining_ = framing.content_length;
    body_.reserve(static_cast<std::size_t>(remaining_));
    return static_cast<std::size_t>(head_end - begin);
}

void request_parser::on_request_impl(boost::beast::http::verb, string_view method,
                                     string_view target, int version, error_code&) {
    head_.method.assign(method.data(), method.size());
    head_.target.assign(target.data(), target.size());
    head_.version = static_cast<unsigned>(version);
}

void request_parser::on_field_impl(boost::beast::http::field, string_view name, string_view value,
                                   error_code&) {
    if (base::is_header_done()) {
        ++trailer_fields_;
        return;
    }
    head_.fields.add({name.data(), name.size()}, {value.data(), value.size()});
}

void request_parser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                       error_code&) {
    // Beast has already held the length to body_limit.
    if (content_length) {
        body_.reserve(static_cast<std::size_t>(*content_length));
    }
}

std::size_t request_parser::on_body_impl(string_view bytes, error_code&) {
    body_.append(bytes.data(), bytes.size());
    return bytes.size();
}

// The last chunk's line comes with its whole trailer section behind it (Beast waits for the
// empty line before it calls here): checked before Beast parses it leniently.
void request_parser::on_chunk_header_impl(std::uint64_t size, string_view extensions,
                                          error_code& ec) {
    if (size != 0 || fed_end_ == nullptr) {
        return;
    }
    const char* const line_end = extensions.data() + extensions.size();  // at the line's CRLF
    const std::string_view rest(line_end, static_cast<std::size_t>(fed_end_ - line_end));
    const auto end = rest.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        return;
    }
    trailer_problem_ = trailer_section_problem(rest.substr(2, end));
    if (!trailer_problem_.empty()) {
        ec = boost::beast::http::error::bad_field;
    }
}

std::size_t request_parser::on_chunk_body_impl(std::uint64_t, string_view bytes, error_code& ec) {
    return on_body_impl(bytes, ec);
}

}  // namespace shadowproxy::proxy
