#include "shadowproxy/oip/raw_tensor.hpp"

#include <bit>
#include <cmath>
#include <cstring>

#include "shadowproxy/text/utf8.hpp"

namespace shadowproxy::oip {

namespace {

using nlohmann::json;

template <typename Value>
Value load_little_endian(const char* bytes) {
    static_assert(std::endian::native == std::endian::little, "raw tensors are little-endian");
    Value value;
    std::memcpy(&value, bytes, sizeof value);
    return value;
}

// IEEE 754 binary16 to double: sign, 5-bit exponent, 10-bit fraction.
double half_to_double(std::uint16_t half) {
    const int exponent = (half >> 10) & 0x1F;
    const int fraction = half & 0x3FF;
    const double sign = (half & 0x8000) != 0 ? -1.0 : 1.0;
    if (exponent == 0) {
        return sign * std::ldexp(fraction, -24);
    }
    if (exponent == 31) {
        return fraction == 0 ? sign * HUGE_VAL : std::nan("");
    }
    return sign * std::ldexp(fraction + 1024, exponent - 25);
}

std::string base64(std::string_view bytes) {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::uint32_t chunk = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) {
            chunk |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        }
        if (i + 2 < bytes.size()) {
            chunk |= static_cast<unsigned char>(bytes[i + 2]);
        }
        out += alphabet[(chunk >> 18) & 0x3F];
        out += alphabet[(chunk >> 12) & 0x3F];
        out += i + 1 < bytes.size() ? alphabet[(chunk >> 6) & 0x3F] : '=';
        out += i + 2 < bytes.size() ? alphabet[chunk & 0x3F] : '=';
    }
    return out;
}

// `count` fixed-size elements read by `element` (bytes → json value).
template <std::size_t Size, typename Element>
decoded_tensor fixed_size(std::string_view datatype, std::uint64_t count, std::string_view raw,
                          Element element) {
    decoded_tensor out;
    if (raw.size() != count * Size) {
        out.error = "raw contents hold " + std::to_string(raw.size()) + " bytes; " +
                    std::to_string(count) + " " + std::string(datatype) + " elements need " +
                    std::to_string(count * Size);
        return out;
    }
    for (std::uint64_t i = 0; i < count; ++i) {
        out.data.push_back(element(raw.data() + i * Size));
    }
    return out;
}

decoded_tensor length_prefixed(std::uint64_t count, std::string_view raw) {
    decoded_tensor out;
    std::size_t at = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        if (raw.size() - at < 4) {
            out.error = "raw BYTES contents end before element " + std::to_string(i);
            return out;
        }
        const auto length = load_little_endian<std::uint32_t>(raw.data() + at);
        at += 4;
        if (raw.size() - at < length) {
            out.error = "raw BYTES element " + std::to_string(i) + " is cut short";
            return out;
        }
        out.data.push_back(bytes_element(raw.substr(at, length)));
        at += length;
    }
    if (at != raw.size()) {
        out.error = "raw BYTES contents hold " + std::to_string(raw.size() - at) +
                    " bytes after element " + std::to_string(count);
    }
    return out;
}

}  // namespace

json bytes_element(std::string_view bytes) {
    if (text::is_valid_utf8(bytes)) {
        return std::string(bytes);
    }
    return json{{"base64", base64(bytes)}};
}

decoded_tensor decode_raw_tensor(std::string_view datatype, std::uint64_t count,
                                 std::string_view raw) {
    const auto as = [&](auto sample) {
        using value_type = decltype(sample);
        return fixed_size<sizeof(value_type)>(datatype, count, raw, [](const char* bytes) {
            return json(load_little_endian<value_type>(bytes));
        });
    };
    if (datatype == "BOOL") {
        return fixed_size<1>(datatype, count, raw, [](const char* bytes) { return *bytes != 0; });
    }
    if (datatype == "INT8") {
        return as(std::int8_t{});
    }
    if (datatype == "INT16") {
        return as(std::int16_t{});
    }
    if (datatype == "INT32") {
        return as(std::int32_t{});
    }
    if (datatype == "INT64") {
        return as(std::int64_t{});
    }
    if (datatype == "UINT8") {
        return as(std::uint8_t{});
    }
    if (datatype == "UINT16") {
        return as(std::uint16_t{});
    }
    if (datatype == "UINT32") {
        return as(std::uint32_t{});
    }
    if (datatype == "UINT64") {
        return as(std::uint64_t{});
    }
    if (datatype == "FP16") {
        return fixed_size<2>(datatype, count, raw, [](const char* bytes) {
            return json(half_to_double(load_little_endian<std::uint16_t>(bytes)));
        });
    }
    if (datatype == "FP32") {
        return as(float{});
    }
    if (datatype == "FP64") {
        return as(double{});
    }
    if (datatype == "BYTES") {
        return length_prefixed(count, raw);
    }
    decoded_tensor out;
    out.error = "unknown datatype '" + std::string(datatype) + "'";
    return out;
}

}  // namespace shadowproxy::oip
