// Open Inference Protocol messages the gRPC tests send and their fake upstreams answer: one
// ModelInferRequest (two FP32 inputs) and the ModelInferResponse of an iris classifier whose
// shadow version differs by 1e-3 in the last probability, as gRPC frames with their trailers.
// Plain values; any thread.
#pragma once

#include <string>

#include "support/fake_h2_upstream.hpp"

namespace shadowproxy::testing {

// A framed ModelInferRequest for model "iris" with input "measurements" = [[5.5, 3.5]].
std::string infer_request();

// A framed ModelInferResponse (output "probabilities", FP32 raw [[0.1, 0.2, 0.3, 0.4]], 0.401
// last for the shadow) with `grpc-status` (and a `grpc-message` when it is not 0) as trailers.
h2_reply infer_reply(bool shadow, int grpc_status = 0);

}  // namespace shadowproxy::testing
