#include "shadowproxy/mirror/features.hpp"

#include "shadowproxy/compare/json_pointer.hpp"
#include "shadowproxy/oip/grpc_message.hpp"
#include "shadowproxy/oip/tensor_view.hpp"

namespace shadowproxy::mirror {

namespace {

using nlohmann::json;

std::optional<json> request_document(std::string_view body, compare::body_kind kind) {
    if (kind == compare::body_kind::grpc_model_infer) {
        const auto message = oip::unary_grpc_message(body);
        return message ? oip::infer_request_view(*message) : std::nullopt;
    }
    json document = json::parse(body, nullptr, false);
    if (document.is_discarded()) {
        return std::nullopt;
    }
    return document;
}

// The data of the input tensor named `name` in an Open Inference Protocol request.
const json* input_data(const json& request, const std::string& name) {
    const auto inputs = request.find("inputs");
    if (!request.is_object() || inputs == request.end() || !inputs->is_array()) {
        return nullptr;
    }
    for (const auto& input : *inputs) {
        const auto input_name = input.find("name");
        const auto data = input.find("data");
        if (input.is_object() && input_name != input.end() && *input_name == name &&
            data != input.end()) {
            return &*data;
        }
    }
    return nullptr;
}

}  // namespace

extracted_features extract_features(std::string_view request_body,
                                    const config::features_config& settings,
                                    compare::body_kind kind) {
    extracted_features out;
    const auto pointer = compare::json_pointer::parse(settings.pointer);
    if (!pointer && settings.input.empty()) {
        return out;
    }
    const std::optional<json> document = request_document(request_body, kind);
    if (!document) {
        return out;
    }
    const json* found =
        settings.input.empty() ? pointer->find(*document) : input_data(*document, settings.input);
    if (found == nullptr) {
        return out;
    }
    if (found->is_array() && found->size() > max_feature_elements) {
        out.value = json::array();
        for (std::size_t i = 0; i < max_feature_elements; ++i) {
            out.value.push_back((*found)[i]);
        }
        out.truncated = true;
        return out;
    }
    out.value = *found;
    return out;
}

}  // namespace shadowproxy::mirror
