#include "shadowproxy/oip/grpc_message.hpp"

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

std::string grpc_frame(std::string_view message) {
    const auto length = static_cast<std::uint32_t>(message.size());
    std::string body(prefix_bytes, '\0');
    for (std::size_t i = 0; i < 4; ++i) {
        body[prefix_bytes - 1 - i] = static_cast<char>((length >> (8 * i)) & 0xFF);
    }
    body.append(message);
    return body;
}

}  // namespace shadowproxy::oip
