// Character classes of HTTP/1.1 and of URI hosts, and case-insensitive comparison of names, one
// definition for every check and parser of the proxy. Pure functions, any thread, nothing fails.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
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

// Whether two words (of up to eight bytes each) differ only in the case of ASCII letters: a bit
// may differ only where it is 0x20 in a byte of `a` that is a letter (`a | 0x20` in 'a'..'z'
// with the top bit clear). The additions cannot carry across bytes: each byte is below 0x80.
inline bool same_but_case(std::uint64_t a, std::uint64_t b) {
    const std::uint64_t differ = a ^ b;
    if (differ == 0) {
        return true;
    }
    constexpr std::uint64_t ones = 0x0101010101010101;
    const std::uint64_t lower = (a | (0x20 * ones)) & (0x7F * ones);
    const std::uint64_t from_a = lower + (0x80 - 'a') * ones;      // top bit: byte >= 'a'
    const std::uint64_t past_z = lower + (0x80 - 'z' - 1) * ones;  // top bit: byte > 'z'
    const std::uint64_t letter = from_a & ~past_z & ~a & (0x80 * ones);
    return (differ & ~(letter >> 2)) == 0;
}

inline std::uint64_t load_word(const char* p) {
    std::uint64_t word;
    std::memcpy(&word, p, sizeof word);
    return word;
}

inline std::uint64_t load_half_word(const char* p) {
    std::uint32_t word;
    std::memcpy(&word, p, sizeof word);
    return word;
}

}  // namespace detail

// A token character (tchar): what a field name, a method or a transfer coding is made of.
inline bool is_token_char(char c) {
    return detail::token_chars[static_cast<unsigned char>(c)];
}

// What a host's reg-name is made of besides percent-encodings (RFC 3986 §3.2.2).
inline bool is_reg_name_char(char c) {
    return detail::reg_name_chars[static_cast<unsigned char>(c)];
}

// ASCII case-insensitive equality, as boost::beast::iequals (only 'A'-'Z' fold, every other
// byte compares exactly), eight bytes at a time; the last word overlaps the one before it.
inline bool iequals(std::string_view a, std::string_view b) {
    const std::size_t n = a.size();
    if (b.size() != n) {
        return false;
    }
    const char* const x = a.data();
    const char* const y = b.data();
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8) {
            if (!detail::same_but_case(detail::load_word(x + i), detail::load_word(y + i))) {
                return false;
            }
        }
        return detail::same_but_case(detail::load_word(x + n - 8), detail::load_word(y + n - 8));
    }
    if (n >= 4) {
        return detail::same_but_case(detail::load_half_word(x), detail::load_half_word(y)) &&
               detail::same_but_case(detail::load_half_word(x + n - 4),
                                     detail::load_half_word(y + n - 4));
    }
    std::uint64_t u = 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        u |= std::uint64_t{static_cast<unsigned char>(x[i])} << (8 * i);
        v |= std::uint64_t{static_cast<unsigned char>(y[i])} << (8 * i);
    }
    return detail::same_but_case(u, v);
}

}  // namespace shadowproxy::net
