#include "shadowproxy/net/head_scan.hpp"

#include <boost/beast/core/string.hpp>
#include <cstring>

#include "shadowproxy/net/http_chars.hpp"

namespace shadowproxy::net {

namespace {

using boost::beast::iequals;

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

enum class framing_field { none, length, connection, other };

// Compared only when the size matches.
framing_field framing_field_of(std::string_view name) {
    switch (name.size()) {
        case 7:
            return iequals(name, "upgrade") ? framing_field::other : framing_field::none;
        case 10:
            return iequals(name, "connection") ? framing_field::connection : framing_field::none;
        case 14:
            return iequals(name, "content-length") ? framing_field::length : framing_field::none;
        case 16:
            return iequals(name, "proxy-connection") ? framing_field::other : framing_field::none;
        case 17:
            return iequals(name, "transfer-encoding") ? framing_field::other : framing_field::none;
        default:
            return framing_field::none;
    }
}

}  // namespace

const char* line_end(const char* from, const char* end) {
    const auto* lf = static_cast<const char*>(std::memchr(from, '\n', end - from));
    return lf != nullptr && lf != from && lf[-1] == '\r' ? lf - 1 : nullptr;
}

const char* scan_plain_fields(const char* p, const char* end, field_list& fields,
                              plain_framing& framing) {
    bool have_connection = false;
    for (;;) {
        // The line is found whole first; the character loops then need no bound, since its CR
        // is in neither class and stops them.
        const char* const cr = line_end(p, end);
        if (cr == nullptr) {
            return nullptr;  // incomplete, longer than the limit, or a bare LF
        }
        if (cr == p) {
            return cr + 2;  // the empty line: the head ends
        }
        const char* const name_at = p;
        while (is_token_char(*p)) {
            ++p;
        }
        if (p == name_at || *p != ':') {
            return nullptr;  // also an obs-fold line, which starts with a space
        }
        const std::string_view name(name_at, static_cast<std::size_t>(p - name_at));
        ++p;
        while (is_space(*p)) {
            ++p;
        }
        const char* const value_at = p;
        while (is_text(*p)) {
            ++p;
        }
        if (p != cr) {
            return nullptr;
        }
        while (p > value_at && is_space(p[-1])) {
            --p;
        }
        const std::string_view value(value_at, static_cast<std::size_t>(p - value_at));
        p = cr + 2;

        switch (framing_field_of(name)) {
            case framing_field::length:
                if (framing.has_length || !parse_length(value, framing.content_length)) {
                    return nullptr;
                }
                framing.has_length = true;
                break;
            case framing_field::connection:
                if (have_connection) {
                    return nullptr;
                }
                have_connection = true;
                if (iequals(value, "close")) {
                    framing.close = true;
                } else if (!iequals(value, "keep-alive")) {
                    return nullptr;
                }
                break;
            case framing_field::other:
                return nullptr;
            case framing_field::none:
                break;
        }
        fields.add(name, value);
    }
}

}  // namespace shadowproxy::net
