// gRPC's length-prefixed message framing (one byte "compressed" flag, four bytes big-endian
// length, then the message), as carried in the DATA of a unary call's request or answer, and the
// words of a call's head: whether a content-type is gRPC's, the deadline a grpc-timeout asks for.
// Pure functions on bytes: any thread, nothing throws.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace shadowproxy::oip {

// The message of a unary call's body: nullopt unless the body is exactly one uncompressed
// message (a compressed one cannot be read without the negotiated codec, so it is not decoded).
std::optional<std::string_view> unary_grpc_message(std::string_view body);

// Whether the body is exactly one complete message, compressed or not: a unary call's request.
// Anything else (no message, several, a cut one) is a streaming call's.
bool single_grpc_message(std::string_view body);

// The body that carries `message` as one uncompressed gRPC message.
std::string grpc_frame(std::string_view message);

// "application/grpc", "application/grpc+proto", … (any case).
bool is_grpc_content_type(std::string_view content_type);

// A grpc-timeout value (1 to 8 digits and a unit: H M S m u n) as milliseconds, rounded up to at
// least 1 ms; nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_grpc_timeout(std::string_view value);

// gRPC status codes the proxy answers with itself.
inline constexpr int grpc_deadline_exceeded = 4;
inline constexpr int grpc_resource_exhausted = 8;
inline constexpr int grpc_unimplemented = 12;
inline constexpr int grpc_internal = 13;
inline constexpr int grpc_unavailable = 14;

// The gRPC status of a call the proxy refuses itself with this HTTP status (gRPC's mapping of
// HTTP statuses, the size limits as RESOURCE_EXHAUSTED): 413 and 431 → RESOURCE_EXHAUSTED, 405
// and 404 → UNIMPLEMENTED, 429, 502 and 503 → UNAVAILABLE, 504 → DEADLINE_EXCEEDED, any other
// (400, …) → INTERNAL.
int grpc_status_for_http(unsigned status);

// A grpc-message value: `message` percent-encoded (bytes outside printable ASCII, and '%').
std::string grpc_message_value(std::string_view message);

}  // namespace shadowproxy::oip
