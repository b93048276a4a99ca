// The Open Inference Protocol ModelInfer contract of the example model server, as a pure function
// of the gRPC request body (the same model and features as POST /predict, predict_api.hpp).
//
// The features come from the request's input tensors (FP32 or FP64, typed contents or
// raw_input_contents), either by position — one input of shape [N] or [B, N], N the model's
// feature count — or by name: one input per feature name (age, income, …), each of shape [B] or
// [B, 1]. The answer is a ModelInferResponse with two outputs in raw_output_contents:
// "probabilities" (FP32, [B, classes]) and "predicted_class" (INT64, [B]); a request that lists
// `outputs` gets only those.
//
// Owned by examples/: the gRPC side calls it on its worker threads; it touches nothing shared but
// the immutable model, so any thread may call it. Bad input never throws: it becomes a non-zero
// gRPC status with a message.
#pragma once

#include <string>
#include <string_view>

#include "model_server/model.hpp"

namespace shadowproxy::examples {

// gRPC status codes the example server answers with.
inline constexpr int grpc_ok = 0;
inline constexpr int grpc_invalid_argument = 3;
inline constexpr int grpc_resource_exhausted = 8;
inline constexpr int grpc_unimplemented = 12;

struct grpc_reply {
    int status = grpc_ok;
    std::string message;  // grpc-message when status is not grpc_ok
    std::string body;     // the framed ModelInferResponse when status is grpc_ok
};

// The names of the two outputs.
inline constexpr std::string_view probabilities_output = "probabilities";
inline constexpr std::string_view predicted_class_output = "predicted_class";

// `body` is the DATA of a ModelInfer call: one length-prefixed, uncompressed gRPC message.
grpc_reply handle_model_infer(const softmax_model& model, std::string_view body);

}  // namespace shadowproxy::examples
