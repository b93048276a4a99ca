#include "shadowproxy/mirror/features.hpp"

#include "shadowproxy/compare/json_pointer.hpp"

namespace shadowproxy::mirror {

extracted_features extract_features(std::string_view request_body,
                                    const config::features_config& settings) {
    extracted_features out;
    const auto pointer = compare::json_pointer::parse(settings.pointer);
    if (!pointer) {
        return out;
    }
    const auto document = nlohmann::json::parse(request_body, nullptr, false);
    if (document.is_discarded()) {
        return out;
    }
    const nlohmann::json* found = pointer->find(document);
    if (found == nullptr) {
        return out;
    }
    if (found->is_array() && found->size() > max_feature_elements) {
        out.value = nlohmann::json::array();
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
