// JSON views of the Open Inference Protocol's ModelInfer messages (docs/records.md, "gRPC and
// the Open Inference Protocol"), the form the comparator, the feature monitor and the records
// read:
//   answer:  {"model_name", "id", "outputs": [{"name", "datatype", "shape", "data": [...]}]}
//   request: {"model_name", "id", "inputs":  [{"name", "datatype", "shape", "data": [...]}]}
// `data` is flattened row-major, taken from the typed `contents` or decoded from the raw
// contents (raw_tensor.hpp); a tensor whose raw bytes do not fit its datatype and shape gets
// "data": null and an "error" saying why, so the rest of the message still compares.
// Pure functions on the protobuf bytes (without gRPC's 5-byte prefix: grpc_message.hpp): any
// thread; nothing throws but std::bad_alloc.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace shadowproxy::oip {

// The unary call whose messages are decoded.
inline constexpr std::string_view model_infer_path = "/inference.GRPCInferenceService/ModelInfer";

// nullopt when the bytes are not a ModelInferResponse.
std::optional<nlohmann::json> infer_response_view(std::string_view message);

// nullopt when the bytes are not a ModelInferRequest.
std::optional<nlohmann::json> infer_request_view(std::string_view message);

}  // namespace shadowproxy::oip
