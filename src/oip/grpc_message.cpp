#include "shadowproxy/oip/grpc_message.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <cstdint>

namespace shadowproxy::oip {

namespace {

constexpr std::size_t prefix_bytes = 5;

}  // namespace

std::optional<std::string_view> unary_grpc_message(std::string_view body) {
    if (body.size() < prefix_bytes || body[0] != '\0') {
        return std::nullopt;
    }
    std::uint64_t length = 0;
    for (std::size_t i = 1; i < prefix_bytes; ++i) {
        length = (length << 8) | static_cast<unsigned char>(body[i]);
    }
    if (body.size() - prefix_bytes != length) {
        return std::nullopt;
    }
    return body.substr(prefix_bytes);
}

bool single_grpc_message(std::string_view body) {
    if (body.size() < prefix_bytes) {
        return false;
    }
    std::uint64_t length = 0;
    for (std::size_t i = 1; i < prefix_bytes; ++i) {
        length = (length << 8) | static_cast<unsigned char>(body[i]);
    }
    return body.size() - prefix_bytes == length;
}

bool is_grpc_content_type(std::string_view content_type) {
    constexpr std::string_view grpc = "application/grpc";
    // Most types differ from it where "grpc" starts (application/json): that byte first, 'g' in
    // either case (OR-ing 0x20 folds exactly 'G' and 'g' together), then the whole prefix.
    constexpr std::size_t first_differing = 12;
    if (content_type.size() < grpc.size() || (content_type[first_differing] | 0x20) != 'g' ||
        !boost::beast::iequals(content_type.substr(0, grpc.size()), grpc)) {
        return false;
    }
    return content_type.size() == grpc.size() || content_type[grpc.size()] == '+' ||
           content_type[grpc.size()] == ';';
}

std::optional<std::chrono::milliseconds> parse_grpc_timeout(std::string_view value) {
    if (value.size() < 2 || value.size() > 9) {
        return std::nullopt;
    }
    std::int64_t amount = 0;
    for (const char c : value.substr(0, value.size() - 1)) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        amount = amount * 10 + (c - '0');
    }
    std::int64_t nanoseconds_per_unit = 0;
    switch (value.back()) {
        case 'H':
            nanoseconds_per_unit = 3'600'000'000'000;
            break;
        case 'M':
            nanoseconds_per_unit = 60'000'000'000;
            break;
        case 'S':
            nanoseconds_per_unit = 1'000'000'000;
            break;
        case 'm':
            nanoseconds_per_unit = 1'000'000;
            break;
        case 'u':
            nanoseconds_per_unit = 1'000;
            break;
        case 'n':
            nanoseconds_per_unit = 1;
            break;
        default:
            return std::nullopt;
    }
    constexpr std::int64_t ns_per_ms = 1'000'000;
    // Hours and minutes are whole milliseconds already; the rest round up.
    const std::int64_t ms = nanoseconds_per_unit >= ns_per_ms
                                ? amount * (nanoseconds_per_unit / ns_per_ms)
                                : (amount * nanoseconds_per_unit + ns_per_ms - 1) / ns_per_ms;
    return std::chrono::milliseconds(std::max<std::int64_t>(ms, 1));
}

std::string grpc_frame(std::string_view message) {
    const auto length = static_cast<std::uint32_t>(message.size());
    std::string body(prefix_bytes, '\0');
    for (std::size_t i = 0; i < 4; ++i) {
        body[prefix_bytes - 1 - i] = static_cast<char>((length >> (8 * i)) & 0xFF);
    }
    body.append(message);
    return body;
}

int grpc_status_for_http(unsigned status) {
    switch (status) {
        case 413:
        case 431:
            return grpc_resource_exhausted;
        case 404:
        case 405:
            return grpc_unimplemented;
        case 429:
        case 502:
        case 503:
            return grpc_unavailable;
        case 504:
            return grpc_deadline_exceeded;
        default:
            return grpc_internal;
    }
}

std::string grpc_message_value(std::string_view message) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(message.size());
    for (const char c : message) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte > 0x7E || c == '%') {
            out += '%';
            out += hex[byte >> 4U];
            out += hex[byte & 0xFU];
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace shadowproxy::oip
