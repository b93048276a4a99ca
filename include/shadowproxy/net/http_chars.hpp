// Character classes of HTTP/1.1 and of URI hosts, one definition for every check and parser of
// the proxy.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace shadowproxy::net {

namespace detail {

// Letters, digits and `extras` as a table: the scanners test a class for every byte they read.
constexpr std::array<bool, 256> alnum_and(std::string_view extras) {
    std::array<bool, 256> table{};
    for (const char c : extras) {
        table[static_cast<unsigned char>(c)] = true;
    }
    for (int c = '0'; c <= '9'; ++c) {
        table[c] = true;
    }
    for (int c = 'a'; c <= 'z'; ++c) {
        table[c] = true;
        table[c - 'a' + 'A'] = true;
    }
    return table;
}

// tchar (RFC 9110 §5.6.2).
inline constexpr std::array<bool, 256> token_chars = alnum_and("!#$%&'*+-.^_`|~");
// RFC 3986 unreserved and sub-delims.
inline constexpr std::array<bool, 256> reg_name_chars = alnum_and("-._~!$&'()*+,;=");

}  // namespace detail

// A token character (tchar): what a field name, a method or a transfer coding is made of.
inline bool is_token_char(char c) {
    return detail::token_chars[static_cast<unsigned char>(c)];
}

// What a host's reg-name is made of besides percent-encodings (RFC 3986 §3.2.2).
inline bool is_reg_name_char(char c) {
    return detail::reg_name_chars[static_cast<unsigned char>(c)];
}

}  // namespace shadowproxy::net
