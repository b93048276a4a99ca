#include "model_server/predict_api.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

namespace shadowproxy::examples {
namespace {

api_reply bad_request(const std::string& reason) {
    return {400, nlohmann::json{{"error", reason}}.dump()};
}

}  // namespace

api_reply handle_predict(const softmax_model& model, std::string_view body, output_kind output) {
    const auto request = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (request.is_discarded()) {
        return bad_request("the body is not valid JSON");
    }
    if (!request.is_object() || !request.contains("features")) {
        return bad_request("expected an object with a \"features\" array");
    }
    const auto& values = request["features"];
    const std::size_t expected = model.feature_names.size();
    if (!values.is_array() || values.size() != expected) {
        return bad_request("\"features\" must be an array of " + std::to_string(expected) +
                           " numbers");
    }
    std::vector<double> features;
    features.reserve(expected);
    for (std::size_t j = 0; j < expected; ++j) {
        if (!values[j].is_number() || !std::isfinite(values[j].get<double>())) {
            return bad_request("feature " + std::to_string(j) + " (" + model.feature_names[j] +
                               ") is not a finite number");
        }
        features.push_back(values[j].get<double>());
    }
    if (output == output_kind::score) {
        return {200, nlohmann::ordered_json{{"prediction", last_class_probability(model, features)},
                                            {"model_version", model.version}}
                         .dump()};
    }
    const auto result = predict(model, features);
    // Ordered so the answer reads the way the API is documented.
    return {200, nlohmann::ordered_json{{"prediction", result.label},
                                        {"probability", result.probability},
                                        {"model_version", model.version}}
                     .dump()};
}

}  // namespace shadowproxy::examples
