// The feature vector a record carries (docs/report.md): the value at `features.pointer` in the
// request body, or the data of the Open Inference Protocol input named `features.input` (REST
// JSON, or a gRPC ModelInfer request's view); an array cut to 256 elements or an object, null
// when absent or not readable.
// Pure; runs on the mirror thread, off the production path.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "shadowproxy/compare/comparator.hpp"
#include "shadowproxy/config/config.hpp"

namespace shadowproxy::mirror {

inline constexpr std::size_t max_feature_elements = 256;

struct extracted_features {
    nlohmann::json value;  // null when the request has no such field or is not JSON
    bool truncated = false;
};

extracted_features extract_features(std::string_view request_body,
                                    const config::features_config& settings,
                                    compare::body_kind kind = compare::body_kind::json);

}  // namespace shadowproxy::mirror
