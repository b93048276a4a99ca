#include "model_server/oip_api.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "open_inference.pb.h"

namespace shadowproxy::examples {
namespace {

using input_tensor = inference::ModelInferRequest::InferInputTensor;

// More rows than any demo sends, few enough that one call cannot make the server allocate much.
constexpr std::int64_t max_rows = 4096;
constexpr std::size_t grpc_prefix = 5;

grpc_reply failure(int status, std::string message) {
    return {status, std::move(message), {}};
}

// The message of a body that is exactly one uncompressed gRPC message.
std::optional<std::string_view> unframe(std::string_view body, grpc_reply& problem) {
    if (body.size() < grpc_prefix) {
        problem = failure(grpc_invalid_argument, "the body is not a gRPC message");
        return std::nullopt;
    }
    if (body[0] != 0) {
        problem = failure(grpc_unimplemented, "compressed messages are not supported");
        return std::nullopt;
    }
    std::uint32_t length = 0;
    for (std::size_t i = 1; i < grpc_prefix; ++i) {
        length = (length << 8) | static_cast<unsigned char>(body[i]);
    }
    if (body.size() - grpc_prefix != length) {
        problem = failure(grpc_invalid_argument, "the body is not exactly one gRPC message");
        return std::nullopt;
    }
    return body.substr(grpc_prefix);
}

std::string frame(const std::string& message) {
    std::string out(grpc_prefix, '\0');
    const auto length = static_cast<std::uint32_t>(message.size());
    for (std::size_t i = 0; i < 4; ++i) {
        out[1 + i] = static_cast<char>((length >> (8 * (3 - i))) & 0xFFU);
    }
    return out + message;
}

template <typename Number>
bool append_raw(std::string_view raw, std::vector<double>& out) {
    if (raw.size() % sizeof(Number) != 0) {
        return false;
    }
    // Little-endian on the wire as in memory: the example runs on little-endian machines only.
    for (std::size_t at = 0; at < raw.size(); at += sizeof(Number)) {
        Number value{};
        std::memcpy(&value, raw.data() + at, sizeof(Number));
        out.push_back(static_cast<double>(value));
    }
    return true;
}

// The elements of an FP32 or FP64 input, from its raw bytes (when `raw` is set) or its contents;
// checked against its shape and for finiteness.
std::optional<std::vector<double>> tensor_values(const input_tensor& input, const std::string* raw,
                                                 std::string& error) {
    const std::string where = "input '" + input.name() + "'";
    std::vector<double> values;
    if (input.datatype() == "FP32") {
        if (raw != nullptr && !append_raw<float>(*raw, values)) {
            error = where + ": raw contents are not whole FP32 values";
            return std::nullopt;
        }
        for (const float v : input.contents().fp32_contents()) {
            values.push_back(v);
        }
    } else if (input.datatype() == "FP64") {
        if (raw != nullptr && !append_raw<double>(*raw, values)) {
            error = where + ": raw contents are not whole FP64 values";
            return std::nullopt;
        }
        values.insert(values.end(), input.contents().fp64_contents().begin(),
                      input.contents().fp64_contents().end());
    } else {
        error = where + ": datatype '" + input.datatype() + "' is not supported (FP32 or FP64)";
        return std::nullopt;
    }
    constexpr std::int64_t max_elements = max_rows * 1024;
    std::int64_t count = 1;
    for (const auto dimension : input.shape()) {
        if (dimension < 0 || dimension > max_elements || count * dimension > max_elements) {
            error = where + ": the shape is out of range";
            return std::nullopt;
        }
        count *= dimension;
    }
    if (static_cast<std::int64_t>(values.size()) != count) {
        error = where + ": " + std::to_string(values.size()) + " elements for a shape of " +
                std::to_string(count);
        return std::nullopt;
    }
    for (const double v : values) {
        if (!std::isfinite(v)) {
            error = where + ": an element is not a finite number";
            return std::nullopt;
        }
    }
    return values;
}

// The rows of features, `features` values each: positional from one input, or by feature name.
std::optional<std::vector<std::vector<double>>> feature_rows(
    const softmax_model& model, const inference::ModelInferRequest& request, std::string& error) {
    const std::size_t width = model.feature_names.size();
    const bool raw = request.raw_input_contents_size() > 0;
    if (raw && request.raw_input_contents_size() != request.inputs_size()) {
        error = "raw_input_contents must hold one entry per input";
        return std::nullopt;
    }
    auto values_of = [&](int i) {
        return tensor_values(request.inputs(i), raw ? &request.raw_input_contents(i) : nullptr,
                             error);
    };
    std::vector<std::vector<double>> rows;
    if (request.inputs_size() == 1) {
        const auto& shape = request.inputs(0).shape();
        const bool fits = (shape.size() == 1 && shape[0] == static_cast<std::int64_t>(width)) ||
                          (shape.size() == 2 && shape[1] == static_cast<std::int64_t>(width));
        if (!fits) {
            error = "input '" + request.inputs(0).name() + "' must have shape [" +
                    std::to_string(width) + "] or [B, " + std::to_string(width) + "]";
            return std::nullopt;
        }
        const auto values = values_of(0);
        if (!values) {
            return std::nullopt;
        }
        for (std::size_t at = 0; at < values->size(); at += width) {
            rows.emplace_back(values->begin() + static_cast<std::ptrdiff_t>(at),
                              values->begin() + static_cast<std::ptrdiff_t>(at + width));
        }
    } else {
        for (std::size_t j = 0; j < width; ++j) {
            const auto& name = model.feature_names[j];
            int found = -1;
            for (int i = 0; i < request.inputs_size(); ++i) {
                if (request.inputs(i).name() == name) {
                    found = i;
                }
            }
            if (found < 0) {
                error = "missing input '" + name + "' (send one input of shape [B, " +
                        std::to_string(width) + "] or one input per feature)";
                return std::nullopt;
            }
            const auto values = values_of(found);
            if (!values) {
                return std::nullopt;
            }
            if (j == 0) {
                rows.assign(values->size(), std::vector<double>(width));
            }
            if (values->size() != rows.size()) {
                error = "input '" + name + "' has a different number of rows than '" +
                        model.feature_names[0] + "'";
                return std::nullopt;
            }
            for (std::size_t r = 0; r < rows.size(); ++r) {
                rows[r][j] = (*values)[r];
            }
        }
    }
    if (rows.empty() || static_cast<std::int64_t>(rows.size()) > max_rows) {
        error = "a call must hold 1 to " + std::to_string(max_rows) + " rows";
        return std::nullopt;
    }
    return rows;
}

template <typename Number>
void append_le(std::string& out, Number value) {
    char bytes[sizeof(Number)];
    std::memcpy(bytes, &value, sizeof(Number));
    out.append(bytes, sizeof(Number));
}

// Whether the request asks for this output (it asks for all when it lists none).
bool wanted(const inference::ModelInferRequest& request, std::string_view name) {
    if (request.outputs_size() == 0) {
        return true;
    }
    for (const auto& output : request.outputs()) {
        if (output.name() == name) {
            return true;
        }
    }
    return false;
}

}  // namespace

grpc_reply handle_model_infer(const softmax_model& model, std::string_view body) {
    grpc_reply problem;
    const auto message = unframe(body, problem);
    if (!message) {
        return problem;
    }
    inference::ModelInferRequest request;
    if (!request.ParseFromArray(message->data(), static_cast<int>(message->size()))) {
        return failure(grpc_invalid_argument, "the message is not a ModelInferRequest");
    }
    for (const auto& output : request.outputs()) {
        if (output.name() != probabilities_output && output.name() != predicted_class_output) {
            return failure(grpc_invalid_argument, "unknown output '" + output.name() + "'");
        }
    }
    std::string error;
    const auto rows = feature_rows(model, request, error);
    if (!rows) {
        return failure(grpc_invalid_argument, error);
    }
    std::string probabilities;
    std::string classes;
    for (const auto& row : *rows) {
        for (const double p : class_probabilities(model, row)) {
            append_le(probabilities, static_cast<float>(p));
        }
        append_le(classes, static_cast<std::int64_t>(predict(model, row).label));
    }
    inference::ModelInferResponse response;
    response.set_model_name(request.model_name());
    response.set_model_version(model.version);
    response.set_id(request.id());
    const auto batch = static_cast<std::int64_t>(rows->size());
    if (wanted(request, probabilities_output)) {
        auto* output = response.add_outputs();
        output->set_name(std::string(probabilities_output));
        output->set_datatype("FP32");
        output->add_shape(batch);
        output->add_shape(static_cast<std::int64_t>(model.bias.size()));
        response.add_raw_output_contents(std::move(probabilities));
    }
    if (wanted(request, predicted_class_output)) {
        auto* output = response.add_outputs();
        output->set_name(std::string(predicted_class_output));
        output->set_datatype("INT64");
        output->add_shape(batch);
        response.add_raw_output_contents(std::move(classes));
    }
    return {grpc_ok, {}, frame(response.SerializeAsString())};
}

}  // namespace shadowproxy::examples
