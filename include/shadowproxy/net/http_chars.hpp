// Character classes of HTTP/1.1, one definition for every check and parser of the proxy.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace shadowproxy::net {

namespace detail {

// tchar (RFC 9110 §5.6.2) as a table: the head scanners test it for every byte of a field name.
inline constexpr std::array<bool, 256> token_chars = [] {
    std::array<bool, 256> table{};
    for (const char c : std::string_view{"!#$%&'*+-.^_`|~"}) {
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
}();

}  // namespace detail

// A token character (tchar): what a field name, a method or a transfer coding is made of.
inline bool is_token_char(char c) {
    return detail::token_chars[static_cast<unsigned char>(c)];
}

}  // namespace shadowproxy::net
