// compare.grpc.prediction_output (docs/config.md): the record's prediction read from an Open
// Inference Protocol answer, {"outputs": [{"name", "shape", "data"}, ...]} — the view of a gRPC
// ModelInfer answer (oip/tensor_view.hpp) or the JSON of the REST form (/v2/models/NAME/infer).
//   argmax: the index of the largest element of each row, the rows being the tensor's last
//           dimension: one index for a vector or a single row ([1, C]), an array of N indices
//           for [N, C] (deeper shapes: every dimension but the last makes rows). Ties: the first.
//   value:  the data; a tensor of one element gives that element.
// Pure: any thread; nothing throws but std::bad_alloc.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "shadowproxy/config/config.hpp"

namespace shadowproxy::compare {

// nullopt when the answer has no such output, or (argmax) its data is not all numbers or does
// not fill its shape.
std::optional<nlohmann::json> tensor_prediction(const nlohmann::json& answer,
                                                const config::grpc_compare_config& settings);

}  // namespace shadowproxy::compare
