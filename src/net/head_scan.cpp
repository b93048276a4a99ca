#include "shadowproxy/net/head_scan.hpp"

#include "shadowproxy/net/http_chars.hpp"
#include "shadowproxy/text/byte_scan.hpp"

namespace shadowproxy::net {

namespace {

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

const char* text_line_end(const char* from, const char* end) {
    // Text is printable ASCII, SP and HTAB: DEL stops the scan too.
    const char* const cr = text::find_stop(from, end, {'\x7F', '\x7F', '\t'});
    return end - cr >= 2 && cr[0] == '\r' && cr[1] == '\n' ? cr : nullptr;
}

const char* scan_plain_fields(const char* p, const char* end, field_list& fields,
                              plain_framing& framing) {
    bool have_connection = false;
    for (;;) {
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            return p + 2;  // the empty line: the head ends
        }
        // The line is checked whole first, in one pass; the character loops then need no bound,
        // since its CR is in neither class and stops them.
        const char* const cr = text_line_end(p, end);
        if (cr == nullptr) {
            return nullptr;  // incomplete, longer than the limit, a bare CR or LF, not text
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
        p = cr;
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
