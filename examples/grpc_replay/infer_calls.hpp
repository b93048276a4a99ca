// The ModelInfer calls grpc_replay sends and what it reads back: rows of
// examples/data/requests.jsonl ({"request_id", "features": [...]}) become gRPC calls of
// `/inference.GRPCInferenceService/ModelInfer` whose one input "features" (FP64, [1, N]) holds
// the row, with `x-request-id: <request_id>` so the proxy's records join the labels; an answer's
// "predicted_class" output (INT64) is read back for the summary.
//
// Pure functions and plain values: any thread. Loading fails with std::runtime_error naming the
// file and line; decoding an answer never throws.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/h2_client_session.hpp"

namespace shadowproxy::examples {

struct replay_row {
    std::string request_id;
    std::vector<double> features;
};

// At most `limit` rows (0: all). Throws std::runtime_error.
std::vector<replay_row> load_rows(const std::string& path, std::size_t limit);

// The call for one row, for a server at `authority`, asking model `model_name`.
h2_call model_infer_call(const replay_row& row, const std::string& authority,
                         const std::string& model_name);

// The first class of the answer's "predicted_class" output, if the body holds one.
std::optional<long long> predicted_class(const std::string& body);

}  // namespace shadowproxy::examples
