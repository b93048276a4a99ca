#include "model_server/model.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

namespace shadowproxy::examples {
namespace {

std::vector<double> read_numbers(const nlohmann::json& value, const std::string& where) {
    if (!value.is_array()) {
        throw model_error(where + " must be an array of numbers");
    }
    std::vector<double> numbers;
    numbers.reserve(value.size());
    for (const auto& item : value) {
        if (!item.is_number() || !std::isfinite(item.get<double>())) {
            throw model_error(where + " must contain finite numbers only");
        }
        numbers.push_back(item.get<double>());
    }
    return numbers;
}

// W·x + b, one value per class.
std::vector<double> logits_of(const softmax_model& model, std::span<const double> features) {
    std::vector<double> logits(model.bias);
    for (std::size_t k = 0; k < logits.size(); ++k) {
        for (std::size_t j = 0; j < features.size(); ++j) {
            logits[k] += model.weights[k][j] * features[j];
        }
    }
    return logits;
}

}  // namespace

softmax_model parse_model(const nlohmann::json& document) {
    if (!document.is_object()) {
        throw model_error("the weights file must hold a JSON object");
    }
    for (const char* key : {"model_version", "features", "weights", "bias"}) {
        if (!document.contains(key)) {
            throw model_error(std::string("missing key \"") + key + "\"");
        }
    }
    softmax_model model;
    if (!document["model_version"].is_string()) {
        throw model_error("\"model_version\" must be a string");
    }
    model.version = document["model_version"].get<std::string>();
    const auto& names = document["features"];
    if (!names.is_array() || names.empty()) {
        throw model_error("\"features\" must be a non-empty array of names");
    }
    for (const auto& name : names) {
        if (!name.is_string()) {
            throw model_error("\"features\" must contain strings only");
        }
        model.feature_names.push_back(name.get<std::string>());
    }
    const auto& rows = document["weights"];
    if (!rows.is_array() || rows.size() < 2) {
        throw model_error("\"weights\" must hold one row per class, at least two");
    }
    for (std::size_t k = 0; k < rows.size(); ++k) {
        const std::string where = "\"weights\"[" + std::to_string(k) + "]";
        model.weights.push_back(read_numbers(rows[k], where));
        if (model.weights.back().size() != model.feature_names.size()) {
            throw model_error(where + " must have one weight per feature (" +
                              std::to_string(model.feature_names.size()) + ")");
        }
    }
    model.bias = read_numbers(document["bias"], "\"bias\"");
    if (model.bias.size() != model.weights.size()) {
        throw model_error("\"bias\" must have one value per class (" +
                          std::to_string(model.weights.size()) + ")");
    }
    return model;
}

softmax_model load_model(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw model_error(path + ": cannot open the weights file");
    }
    try {
        return parse_model(nlohmann::json::parse(in));
    } catch (const nlohmann::json::exception& e) {
        throw model_error(path + ": not valid JSON: " + e.what());
    } catch (const model_error& e) {
        throw model_error(path + ": " + e.what());
    }
}

prediction predict(const softmax_model& model, std::span<const double> features) {
    const auto logits = logits_of(model, features);
    // Subtracting the largest logit keeps exp() finite for any input.
    const auto best = std::max_element(logits.begin(), logits.end());
    const double top = *best;
    double total = 0.0;
    for (const double z : logits) {
        total += std::exp(z - top);
    }
    return {static_cast<int>(best - logits.begin()), 1.0 / total};
}

std::vector<double> class_probabilities(const softmax_model& model,
                                        std::span<const double> features) {
    auto values = logits_of(model, features);
    const double top = *std::max_element(values.begin(), values.end());
    double total = 0.0;
    for (double& z : values) {
        z = std::exp(z - top);
        total += z;
    }
    for (double& p : values) {
        p /= total;
    }
    return values;
}

double last_class_probability(const softmax_model& model, std::span<const double> features) {
    return class_probabilities(model, features).back();
}

}  // namespace shadowproxy::examples
