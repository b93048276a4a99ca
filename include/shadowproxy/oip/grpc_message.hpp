// gRPC's length-prefixed message framing (one byte "compressed" flag, four bytes big-endian
// length, then the message), as carried in the DATA of a unary call's request or answer.
// Pure functions on bytes: any thread, nothing throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shadowproxy::oip {

// The message of a unary call's body: nullopt unless the body is exactly one uncompressed
// message (a compressed one cannot be read without the negotiated codec, so it is not decoded).
std::optional<std::string_view> unary_grpc_message(std::string_view body);

// The body that carries `message` as one uncompressed gRPC message.
std::string grpc_frame(std::string_view message);

}  // namespace shadowproxy::oip
