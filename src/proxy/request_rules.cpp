#include "shadowproxy/proxy/request_rules.hpp"

#include <algorithm>
#include <cctype>

#include "shadowproxy/net/http_chars.hpp"

namespace shadowproxy::proxy {

namespace {

using net::iequals;

bool is_hex(char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// Reg-name characters, or a percent sign followed by two hex digits.
bool is_reg_name(std::string_view host) {
    for (std::size_t i = 0; i < host.size(); ++i) {
        const char c = host[i];
        if (c == '%') {
            if (i + 2 >= host.size() || !is_hex(host[i + 1]) || !is_hex(host[i + 2])) {
                return false;
            }
            i += 2;
            continue;
        }
        if (!net::is_reg_name_char(c)) {
            return false;
        }
    }
    return true;
}

// A segment spelled "." or ".." once %2e/%2E are read as dots: 1 or 2, else 0.
int dots_in_segment(std::string_view segment) {
    int dots = 0;
    while (!segment.empty()) {
        if (segment.front() == '.') {
            segment.remove_prefix(1);
        } else if (segment.size() >= 3 && segment[0] == '%' && segment[1] == '2' &&
                   (segment[2] == 'e' || segment[2] == 'E')) {
            segment.remove_prefix(3);
        } else {
            return 0;
        }
        if (++dots > 2) {
            return 0;
        }
    }
    return dots;
}

request_line_check refuse(unsigned status, std::string problem) {
    request_line_check out;
    out.status = status;
    out.problem = std::move(problem);
    return out;
}

// "http://authority/path?query" → authority and the origin-form rest ("/" when empty).
bool split_absolute(std::string_view target, std::string_view& authority, std::string& rest) {
    constexpr std::string_view scheme = "http://";
    if (target.size() < scheme.size() || !iequals(target.substr(0, scheme.size()), scheme)) {
        return false;
    }
    target.remove_prefix(scheme.size());
    const auto end = target.find_first_of("/?#");
    authority = target.substr(0, end);
    rest = end == std::string_view::npos ? std::string{} : std::string{target.substr(end)};
    if (rest.empty() || rest.front() == '?') {
        rest.insert(0, "/");
    }
    return true;
}

}  // namespace

bool is_valid_authority(std::string_view authority) {
    std::string_view host = authority;
    std::string_view port;
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string_view::npos || close < 3) {
            return false;
        }
        const auto literal = host.substr(1, close - 1);
        if (!std::all_of(literal.begin(), literal.end(),
                         [](char c) { return is_hex(c) || c == ':' || c == '.'; })) {
            return false;
        }
        port = host.substr(close + 1);
        if (!port.empty() && port.front() != ':') {
            return false;
        }
        host = {};
    } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
        port = host.substr(colon);
        host = host.substr(0, colon);
        if (host.empty() || !is_reg_name(host)) {
            return false;
        }
    } else if (host.empty() || !is_reg_name(host)) {
        return false;
    }
    if (!port.empty()) {
        port.remove_prefix(1);  // the ':'; an empty port is allowed (RFC 3986 §3.2.3)
        if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
                return std::isdigit(static_cast<unsigned char>(c)) != 0;
            })) {
            return false;
        }
    }
    return true;
}

std::optional<std::string> remove_dot_segments(std::string_view path) {
    // The usual path has no dot and no percent sign at all, so no dot-segment either.
    if (path.find('.') == std::string_view::npos && path.find('%') == std::string_view::npos) {
        return std::string{path};
    }
    std::vector<std::string_view> kept;
    bool trailing_slash = false;
    std::string_view rest = path.substr(1);  // after the leading '/'
    while (true) {
        const auto slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        const int dots = dots_in_segment(segment);
        const bool last = slash == std::string_view::npos;
        if (dots == 2) {
            if (kept.empty()) {
                return std::nullopt;
            }
            kept.pop_back();
        } else if (dots == 0) {
            kept.push_back(segment);
        }
        if (last) {
            trailing_slash = dots != 0;
            break;
        }
        rest.remove_prefix(slash + 1);
    }
    std::string out;
    out.reserve(path.size());
    for (const auto segment : kept) {
        out.append("/").append(segment);
    }
    if (trailing_slash || out.empty()) {
        out.append("/");
    }
    return out;
}

request_line_check check_request_line(const net::request_head& head,
                                      const std::vector<std::string>& allowed_methods) {
    const std::string_view method = head.method;
    if (method == "CONNECT" || method == "TRACE") {
        return refuse(405, "method not allowed");
    }
    if (std::find(allowed_methods.begin(), allowed_methods.end(), method) ==
        allowed_methods.end()) {
        return refuse(400, "unsupported method");
    }
    std::size_t hosts = 0;
    std::string_view host;
    for (const auto [name, value] : head.fields) {
        if (iequals(name, "Host")) {
            host = value;
            ++hosts;
        }
    }
    if (hosts > 1) {
        return refuse(400, "more than one Host header");
    }
    if (hosts == 0 && head.version >= 11) {
        return refuse(400, "missing Host header");
    }
    if (hosts == 1 && !is_valid_authority(host)) {
        return refuse(400, "invalid Host header");
    }

    request_line_check out;
    out.authority = std::string{host};
    const std::string_view target = head.target;
    if (target == "*") {
        if (method != "OPTIONS") {
            return refuse(400, "asterisk target outside OPTIONS");
        }
        out.target = out.path = "*";
        return out;
    }
    std::string_view origin = target;
    std::string absolute_rest;  // the origin-form of an absolute-form target
    if (target.empty() || target.front() != '/') {
        std::string_view authority;
        if (!split_absolute(target, authority, absolute_rest)) {
            return refuse(400, "request target is not in origin or absolute form");
        }
        if (authority.find('@') != std::string_view::npos) {
            return refuse(400, "userinfo in the request target");
        }
        if (!is_valid_authority(authority)) {
            return refuse(400, "invalid authority in the request target");
        }
        out.authority = std::string{authority};
        origin = absolute_rest;
    }
    if (origin.find('#') != std::string_view::npos) {
        return refuse(400, "fragment in the request target");
    }
    const auto query = origin.find('?');
    auto path = remove_dot_segments(origin.substr(0, query));
    if (!path) {
        return refuse(400, "request target climbs above the root");
    }
    out.path = std::move(*path);
    out.target.reserve(out.path.size() +
                       (query == std::string_view::npos ? 0 : origin.size() - query));
    out.target.append(out.path);
    if (query != std::string_view::npos) {
        out.target.append(origin.substr(query));
    }
    return out;
}

std::size_t count_field_lines(std::string_view block) {
    std::size_t lines = 0;
    for (auto pos = block.find("\r\n"); pos != std::string_view::npos;
         pos = block.find("\r\n", pos + 2)) {
        ++lines;
    }
    // The request line and the empty line that ends the block.
    return lines >= 2 ? lines - 2 : 0;
}

std::string chunked_backlog_problem(std::string_view unparsed, std::size_t max_trailer_bytes) {
    if (unparsed.substr(0, 2) == "\r\n") {
        unparsed.remove_prefix(2);  // the CRLF closing the previous chunk's data
    }
    const auto eol = unparsed.find("\r\n");
    if (eol == std::string_view::npos) {
        return unparsed.size() > max_chunk_line_bytes ? "chunk line too long" : std::string{};
    }
    if (eol > max_chunk_line_bytes) {
        return "chunk line too long";
    }
    const std::string_view zeros = unparsed.substr(0, unparsed.find_first_not_of('0'));
    const char after = zeros.size() < unparsed.size() ? unparsed[zeros.size()] : '\r';
    const bool last_chunk =
        !zeros.empty() && (after == '\r' || after == ';' || after == ' ' || after == '\t');
    if (!last_chunk) {
        return {};  // a complete chunk line is parsed at once: only the last one waits
    }
    return unparsed.size() - eol - 2 > max_trailer_bytes ? "trailer section too large"
                                                         : std::string{};
}

std::string trailer_section_problem(std::string_view section) {
    while (!section.empty()) {
        const auto eol = section.find("\r\n");
        const std::string_view line = section.substr(0, eol);
        if (line.find('\n') != std::string_view::npos ||
            line.find('\r') != std::string_view::npos) {
            return "bare line ending in the trailer section";
        }
        if (line.empty() || line.front() == ' ' || line.front() == '\t') {
            return line.empty() ? "malformed trailer section"
                                : "obsolete line folding in the trailer section";
        }
        const auto colon = line.find(':');
        if (colon == 0 || colon == std::string_view::npos ||
            !std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(colon),
                         net::is_token_char)) {
            return "malformed trailer field";
        }
        if (eol == std::string_view::npos) {
            break;
        }
        section.remove_prefix(eol + 2);
    }
    return {};
}

}  // namespace shadowproxy::proxy
