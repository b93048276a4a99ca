#include "shadowproxy/compare/tensor_prediction.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace shadowproxy::compare {

namespace {

using nlohmann::json;

const json* find_output(const json& answer, const std::string& name) {
    const auto outputs = answer.find("outputs");
    if (!answer.is_object() || outputs == answer.end() || !outputs->is_array()) {
        return nullptr;
    }
    for (const auto& output : *outputs) {
        const auto found = output.find("name");
        if (output.is_object() && found != output.end() && *found == name) {
            return &output;
        }
    }
    return nullptr;
}

// The length of a row: the last dimension, or every element for a shape of rank 0 or 1.
std::optional<std::size_t> row_length(const json& output, std::size_t elements) {
    const auto shape = output.find("shape");
    if (shape == output.end() || !shape->is_array() || shape->size() < 2) {
        return elements;
    }
    const json& last = shape->back();
    if (!last.is_number_integer() || last.get<std::int64_t>() <= 0 ||
        elements % last.get<std::size_t>() != 0) {
        return std::nullopt;
    }
    return last.get<std::size_t>();
}

// The elements as numbers, nested arrays (the REST form allows them) flattened row-major;
// false when an element is not a number or a boolean, or the nesting is deeper than any tensor.
bool flatten(const json& data, std::vector<double>& out, std::size_t depth = 0) {
    constexpr std::size_t max_rank = 64;
    for (const auto& element : data) {
        if (element.is_array() && depth < max_rank) {
            if (!flatten(element, out, depth + 1)) {
                return false;
            }
        } else if (element.is_boolean()) {
            out.push_back(element.get<bool>() ? 1.0 : 0.0);
        } else if (element.is_number()) {
            out.push_back(element.get<double>());
        } else {
            return false;
        }
    }
    return true;
}

std::optional<json> argmax(const json& output, const json& elements) {
    std::vector<double> data;
    if (!flatten(elements, data) || data.empty()) {
        return std::nullopt;
    }
    const auto row = row_length(output, data.size());
    if (!row) {
        return std::nullopt;
    }
    json indices = json::array();
    for (std::size_t start = 0; start < data.size(); start += *row) {
        std::size_t best = 0;
        for (std::size_t i = 1; i < *row; ++i) {
            if (data[start + i] > data[start + best]) {
                best = i;
            }
        }
        indices.push_back(best);
    }
    if (indices.size() == 1) {
        return indices[0];
    }
    return indices;
}

}  // namespace

std::optional<json> tensor_prediction(const json& answer,
                                      const config::grpc_compare_config& settings) {
    const json* output = find_output(answer, settings.prediction_output);
    if (output == nullptr) {
        return std::nullopt;
    }
    const auto data = output->find("data");
    if (data == output->end() || !data->is_array()) {
        return std::nullopt;
    }
    if (settings.reduce == config::tensor_reduce::argmax) {
        return argmax(*output, *data);
    }
    if (data->size() == 1) {
        return (*data)[0];
    }
    return *data;
}

}  // namespace shadowproxy::compare
