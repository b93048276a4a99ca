// UTF-8 decoding, written once for every module that reads text byte by byte: the record
// writer (invalid sequences replaced), the LLM text metrics (code points) and the tensor view
// (BYTES elements kept as text only when valid). Well-formed means RFC 3629: shortest form, no
// surrogates, nothing past U+10FFFF.
//
// Header-only constexpr functions: any thread, nothing throws.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace shadowproxy::text {

struct code_point {
    char32_t value = 0;
    std::size_t length = 0;  // bytes of its sequence, 1 to 4
};

constexpr bool is_continuation(unsigned char byte) {
    return (byte & 0xC0) == 0x80;
}

// The code point whose well-formed sequence starts at text[i] (i < text.size()), or nullopt.
constexpr std::optional<code_point> decode_utf8(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) {
        return code_point{lead, 1};
    }
    std::size_t length = 0;
    char32_t value = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        value = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        value = lead & 0x0F;
        second_min = lead == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
        second_max = lead == 0xED ? 0x9F : 0xBF;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        value = lead & 0x07;
        second_min = lead == 0xF0 ? 0x90 : 0x80;  // no overlong forms
        second_max = lead == 0xF4 ? 0x8F : 0xBF;  // nothing past U+10FFFF
    } else {
        return std::nullopt;
    }
    if (text.size() - i < length || byte(1) < second_min || byte(1) > second_max) {
        return std::nullopt;
    }
    for (std::size_t k = 1; k < length; ++k) {
        if (!is_continuation(byte(k))) {
            return std::nullopt;
        }
        value = (value << 6) | (byte(k) & 0x3F);
    }
    return code_point{value, length};
}

constexpr bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto decoded = decode_utf8(text, i);
        if (!decoded) {
            return false;
        }
        i += decoded->length;
    }
    return true;
}

}  // namespace shadowproxy::text
