#include "shadowproxy/oip/tensor_view.hpp"

#include <string>

#include "open_inference.pb.h"
#include "shadowproxy/oip/raw_tensor.hpp"

namespace shadowproxy::oip {

namespace {

using nlohmann::json;

// The typed contents field the datatype names, as a JSON array.
json typed_contents(const std::string& datatype, const inference::InferTensorContents& contents) {
    const auto array_of = [](const auto& values) {
        json out = json::array();
        for (const auto& value : values) {
            out.push_back(value);
        }
        return out;
    };
    if (datatype == "BOOL") {
        return array_of(contents.bool_contents());
    }
    if (datatype == "INT8" || datatype == "INT16" || datatype == "INT32") {
        return array_of(contents.int_contents());
    }
    if (datatype == "INT64") {
        return array_of(contents.int64_contents());
    }
    if (datatype == "UINT8" || datatype == "UINT16" || datatype == "UINT32") {
        return array_of(contents.uint_contents());
    }
    if (datatype == "UINT64") {
        return array_of(contents.uint64_contents());
    }
    if (datatype == "FP32") {
        return array_of(contents.fp32_contents());
    }
    if (datatype == "FP64") {
        return array_of(contents.fp64_contents());
    }
    json out = json::array();
    if (datatype == "BYTES") {
        for (const auto& element : contents.bytes_contents()) {
            out.push_back(bytes_element(element));
        }
    }
    return out;
}

// One tensor of either message: the input and output tensor types have the same fields.
// `raw` is the tensor's raw contents, or null when the message carries none.
template <typename Tensor>
json tensor_json(const Tensor& tensor, const std::string* raw) {
    json shape = json::array();
    for (const auto dimension : tensor.shape()) {
        shape.push_back(dimension);
    }
    json out{{"name", tensor.name()}, {"datatype", tensor.datatype()}, {"shape", shape}};
    if (raw == nullptr) {
        out["data"] = typed_contents(tensor.datatype(), tensor.contents());
        return out;
    }
    const auto count = element_count(tensor.shape());
    if (!count) {
        out["data"] = nullptr;
        out["error"] = "the shape has a negative dimension or more than " +
                       std::to_string(max_tensor_elements) + " elements";
        return out;
    }
    decoded_tensor decoded = decode_raw_tensor(tensor.datatype(), *count, *raw);
    if (!decoded.error.empty()) {
        out["data"] = nullptr;
        out["error"] = std::move(decoded.error);
        return out;
    }
    out["data"] = std::move(decoded.data);
    return out;
}

// The view of a message's tensors under `key`; raw contents pair with tensors by position.
template <typename Tensors, typename RawContents>
json tensors_json(const Tensors& tensors, const RawContents& raw) {
    json out = json::array();
    for (int i = 0; i < tensors.size(); ++i) {
        if (raw.empty()) {
            out.push_back(tensor_json(tensors.Get(i), nullptr));
        } else if (i < raw.size()) {
            out.push_back(tensor_json(tensors.Get(i), &raw.Get(i)));
        } else {
            json missing = tensor_json(tensors.Get(i), nullptr);
            missing["data"] = nullptr;
            missing["error"] = "no raw contents for this tensor (" + std::to_string(raw.size()) +
                               " given for " + std::to_string(tensors.size()) + " tensors)";
            out.push_back(std::move(missing));
        }
    }
    return out;
}

template <typename Message>
std::optional<Message> parsed(std::string_view bytes) {
    Message message;
    if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        return std::nullopt;
    }
    return message;
}

}  // namespace

std::optional<json> infer_response_view(std::string_view message) {
    const auto response = parsed<inference::ModelInferResponse>(message);
    if (!response) {
        return std::nullopt;
    }
    return json{{"model_name", response->model_name()},
                {"id", response->id()},
                {"outputs", tensors_json(response->outputs(), response->raw_output_contents())}};
}

std::optional<json> infer_request_view(std::string_view message) {
    const auto request = parsed<inference::ModelInferRequest>(message);
    if (!request) {
        return std::nullopt;
    }
    return json{{"model_name", request->model_name()},
                {"id", request->id()},
                {"inputs", tensors_json(request->inputs(), request->raw_input_contents())}};
}

}  // namespace shadowproxy::oip
