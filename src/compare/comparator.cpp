#include "shadowproxy/compare/comparator.hpp"

#include <utility>

#include "compare/fast_compare.hpp"
#include "shadowproxy/compare/prefix_pointer.hpp"
#include "shadowproxy/compare/tensor_prediction.hpp"
#include "shadowproxy/oip/grpc_message.hpp"
#include "shadowproxy/oip/tensor_view.hpp"

namespace shadowproxy::compare {

namespace {

using json = nlohmann::json;

// Non-JSON bodies are quoted in a diff only this far: enough to see what came back.
constexpr std::size_t raw_body_diff_bytes = 256;

// Walks two documents in step and collects leaf differences, up to max_diffs of them. walk()
// returns false once the list is full and a difference is known: nothing more can change the
// record, so a 1 MB body that differs early costs almost nothing.
class differ {
public:
    differ(const tolerance& tol, std::size_t max_diffs, std::vector<diff_entry>& out)
        : tolerance_(tol), max_diffs_(max_diffs), out_(out) {}

    bool walk(const json& production, const json& shadow, std::size_t depth) {
        if (depth < max_json_depth && production.is_object() && shadow.is_object()) {
            return walk_objects(production, shadow, depth);
        }
        if (depth < max_json_depth && production.is_array() && shadow.is_array()) {
            return walk_arrays(production, shadow, depth);
        }
        const bool equal = production.is_structured() && shadow.is_structured()
                               ? values_equal(production, shadow, tolerance_)
                               : leaves_equal(production, shadow, tolerance_);
        return equal || add(bounded_copy(production), bounded_copy(shadow), std::nullopt);
    }

    bool differs() const { return differs_; }

private:
    // Object keys are kept sorted, so one merge pass finds shared and one-sided keys in O(n).
    bool walk_objects(const json& production, const json& shadow, std::size_t depth) {
        auto p = production.begin();
        auto s = shadow.begin();
        while (p != production.end() || s != shadow.end()) {
            const std::size_t mark = pointer_.size();
            bool keep_going = true;
            if (s == shadow.end() || (p != production.end() && p.key() < s.key())) {
                push_token(p.key());
                keep_going = add(bounded_copy(p.value()), nullptr, "shadow");
                ++p;
            } else if (p == production.end() || s.key() < p.key()) {
                push_token(s.key());
                keep_going = add(nullptr, bounded_copy(s.value()), "production");
                ++s;
            } else {
                push_token(p.key());
                keep_going = walk(p.value(), s.value(), depth + 1);
                ++p;
                ++s;
            }
            pointer_.resize(mark);
            if (!keep_going) {
                return false;
            }
        }
        return true;
    }

    bool walk_arrays(const json& production, const json& shadow, std::size_t depth) {
        if (production.size() != shadow.size() &&
            !add(production.size(), shadow.size(), std::nullopt)) {
            return false;
        }
        const std::size_t common = std::min(production.size(), shadow.size());
        for (std::size_t i = 0; i < common; ++i) {
            const std::size_t mark = pointer_.size();
            pointer_ += '/';
            pointer_ += std::to_string(i);
            const bool keep_going = walk(production[i], shadow[i], depth + 1);
            pointer_.resize(mark);
            if (!keep_going) {
                return false;
            }
        }
        return true;
    }

    void push_token(const std::string& key) {
        pointer_ += '/';
        json_pointer::append_escaped(pointer_, key);
    }

    bool add(json production, json shadow, std::optional<std::string> missing) {
        differs_ = true;
        if (out_.size() < max_diffs_) {
            out_.push_back(
                {pointer_, std::move(production), std::move(shadow), std::move(missing)});
        }
        return out_.size() < max_diffs_;
    }

    const tolerance& tolerance_;
    std::size_t max_diffs_;
    std::vector<diff_entry>& out_;
    std::string pointer_;
    bool differs_ = false;
};

std::optional<json> parse_body(const side_response& side) {
    if (side.error) {
        return std::nullopt;
    }
    if (side.kind == body_kind::grpc_model_infer) {
        const auto message = oip::unary_grpc_message(side.body);
        return message ? oip::infer_response_view(*message) : std::nullopt;
    }
    json doc = json::parse(side.body, nullptr, false);
    if (doc.is_discarded()) {
        return std::nullopt;
    }
    return doc;
}

// Keeps both predictions in the result and, when a side failed, decides the outcome by it;
// true when it did.
bool decided_by_error(comparison& result, const side_response& production,
                      const side_response& shadow, const json* production_prediction,
                      const json* shadow_prediction) {
    if (production_prediction != nullptr) {
        result.production_prediction = bounded_copy(*production_prediction);
    }
    if (shadow_prediction != nullptr) {
        result.shadow_prediction = bounded_copy(*shadow_prediction);
    }
    if (production.error) {
        result.result = outcome::production_error;
        return true;
    }
    if (shadow.error) {
        result.result = outcome::shadow_error;
        return true;
    }
    return false;
}

}  // namespace

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) {
        return text;
    }
    std::size_t cut = max_bytes;
    // A UTF-8 sequence is at most 4 bytes, so at most 3 continuation bytes need backing off.
    for (int i = 0; i < 3 && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80;
         ++i) {
        --cut;
    }
    return text.substr(0, cut);
}

comparator::comparator(const config::compare_config& settings)
    : prediction_pointer_(json_pointer::parse(settings.prediction_pointer)),
      tensor_prediction_(settings.grpc),
      tolerance_{settings.float_abs_tolerance, settings.float_rel_tolerance},
      max_diffs_(settings.max_diffs) {
    for (const auto& text : settings.ignore_pointers) {
        if (auto pointer = json_pointer::parse(text)) {
            ignore_pointers_.push_back(std::move(*pointer));
        }
    }
}

comparison comparator::compare(const side_response& production, const side_response& shadow) const {
    if (production.truncated || shadow.truncated) {
        return compare_truncated(production, shadow);
    }
    if (tensor_prediction_.prediction_output.empty()) {
        const detail::fast_rules rules{prediction_pointer_ ? &*prediction_pointer_ : nullptr,
                                       &ignore_pointers_, tolerance_};
        if (auto decided = detail::compare_fast(production, shadow, rules)) {
            return std::move(*decided);
        }
    }
    return compare_documents(production, shadow);
}

comparison comparator::compare_documents(const side_response& production,
                                         const side_response& shadow) const {
    if (production.truncated || shadow.truncated) {
        return compare_truncated(production, shadow);
    }
    comparison result;
    // Byte-identical answers (the common case when the models agree) are parsed once: parsing
    // is most of the cost of a comparison.
    const bool same_bytes = !production.error && !shadow.error && production.body == shadow.body;
    std::optional<json> production_doc = parse_body(production);
    std::optional<json> shadow_doc = same_bytes ? std::nullopt : parse_body(shadow);

    // Predictions come from the documents as received: the ignore list does not apply to them.
    std::optional<json> production_reduced;
    std::optional<json> shadow_reduced;
    const json* production_prediction =
        production_doc ? prediction_in(*production_doc, production_reduced) : nullptr;
    const json* shadow_prediction =
        shadow_doc ? prediction_in(*shadow_doc, shadow_reduced) : nullptr;
    if (same_bytes) {
        shadow_prediction = production_prediction;
    }
    if (decided_by_error(result, production, shadow, production_prediction, shadow_prediction)) {
        return result;
    }

    result.prediction_match = production_prediction != nullptr && shadow_prediction != nullptr &&
                              !production_prediction->is_null() && !shadow_prediction->is_null() &&
                              values_equal(*production_prediction, *shadow_prediction, tolerance_);
    result.status_match = production.status == shadow.status;

    if (same_bytes) {
        result.body_match = true;
    } else if (production_doc && shadow_doc) {
        for (const auto& pointer : ignore_pointers_) {
            pointer.erase(*production_doc);
            pointer.erase(*shadow_doc);
        }
        differ walker(tolerance_, max_diffs_, result.diffs);
        walker.walk(*production_doc, *shadow_doc, 0);
        result.body_match = !walker.differs();
    } else {
        result.body_match = production.body == shadow.body;
        if (!result.body_match && max_diffs_ > 0) {
            result.diffs.push_back(
                {"", std::string(utf8_prefix(production.body, raw_body_diff_bytes)),
                 std::string(utf8_prefix(shadow.body, raw_body_diff_bytes)), std::nullopt});
        }
    }

    if (!result.status_match) {
        result.result = outcome::status_mismatch;
    } else if (result.body_match) {
        result.result = outcome::match;
    } else if (result.prediction_match) {
        result.result = outcome::prediction_match;
    } else {
        result.result = outcome::prediction_mismatch;
    }
    return result;
}

const json* comparator::prediction_in(const json& document, std::optional<json>& reduced) const {
    if (!tensor_prediction_.prediction_output.empty()) {
        reduced = tensor_prediction(document, tensor_prediction_);
        return reduced ? &*reduced : nullptr;
    }
    return prediction_pointer_ ? prediction_pointer_->find(document) : nullptr;
}

std::optional<json> comparator::prediction_of(const side_response& side) const {
    if (side.error) {
        return std::nullopt;
    }
    if (side.truncated) {
        return prediction_pointer_ && tensor_prediction_.prediction_output.empty()
                   ? find_in_prefix(side.body, *prediction_pointer_)
                   : std::nullopt;
    }
    const std::optional<json> doc = parse_body(side);
    std::optional<json> reduced;
    const json* found = doc ? prediction_in(*doc, reduced) : nullptr;
    return found != nullptr ? std::optional<json>{*found} : std::nullopt;
}

comparison comparator::compare_truncated(const side_response& production,
                                         const side_response& shadow) const {
    comparison result;
    result.body_compared = false;
    const std::optional<json> production_prediction = prediction_of(production);
    const std::optional<json> shadow_prediction = prediction_of(shadow);
    if (decided_by_error(result, production, shadow,
                         production_prediction ? &*production_prediction : nullptr,
                         shadow_prediction ? &*shadow_prediction : nullptr)) {
        return result;
    }
    const bool both_predictions = production_prediction && shadow_prediction &&
                                  !production_prediction->is_null() &&
                                  !shadow_prediction->is_null();
    result.prediction_match =
        both_predictions && values_equal(*production_prediction, *shadow_prediction, tolerance_);
    result.status_match = production.status == shadow.status;
    if (!result.status_match) {
        result.result = outcome::status_mismatch;
    } else if (both_predictions) {
        result.result =
            result.prediction_match ? outcome::prediction_match : outcome::prediction_mismatch;
    } else {
        result.result = outcome::match;
    }
    return result;
}

}  // namespace shadowproxy::compare
