#include "shadowproxy/report/record_parser.hpp"

#include <simdjson.h>

#include <charconv>
#include <cstring>

#include "report/llm_parser.hpp"
#include "shadowproxy/stats/prediction_key.hpp"

namespace shadowproxy::report {

namespace od = simdjson::ondemand;

struct record_parser::impl {
    od::parser parser;
    std::vector<char> buffer;  // the line copied with simdjson's padding after it
};

namespace {

// Parse failures: a simdjson error or a field of the wrong shape, named for error().
struct failure {
    std::string what;
};

std::optional<failure> as_failure(simdjson::error_code code, std::string_view where) {
    if (code == simdjson::SUCCESS) {
        return std::nullopt;
    }
    return failure{std::string(where) + ": " + simdjson::error_message(code)};
}

// The JSON text of a value, whatever its type, for prediction_key_from_raw().
simdjson::error_code raw_text(od::value& value, std::string_view& text) {
    od::json_type type{};
    if (auto code = value.type().get(type)) {
        return code;
    }
    if (type == od::json_type::object) {
        od::object object;
        if (auto code = value.get_object().get(object)) {
            return code;
        }
        return object.raw_json().get(text);
    }
    if (type == od::json_type::array) {
        od::array array;
        if (auto code = value.get_array().get(array)) {
            return code;
        }
        return array.raw_json().get(text);
    }
    text = value.raw_json_token();
    return simdjson::SUCCESS;
}

std::optional<failure> parse_side(od::value value, parsed_side& side, std::string* name,
                                  std::string_view where) {
    od::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) {
        return failure{std::string(where) + ": not an object"};
    }
    for (auto field_result : object) {
        od::field field;
        if (auto f = as_failure(std::move(field_result).get(field), where)) {
            return f;
        }
        std::string_view key;
        if (auto f = as_failure(field.unescaped_key().get(key), where)) {
            return f;
        }
        od::value& item = field.value();
        od::json_type type{};
        if (auto f = as_failure(item.type().get(type), where)) {
            return f;
        }
        if (key == "name" && name != nullptr) {
            std::string_view text;
            if (item.get_string().get(text) != simdjson::SUCCESS) {
                return failure{std::string(where) + ".name: not a string"};
            }
            name->assign(text);
        } else if (key == "latency_ms") {
            double ms = 0;
            if (type != od::json_type::null) {
                if (item.get_double().get(ms) != simdjson::SUCCESS) {
                    return failure{std::string(where) + ".latency_ms: not a number"};
                }
                side.latency_ms = ms;
            }
        } else if (key == "ttfb_ms") {
            double ms = 0;
            if (type != od::json_type::null) {
                if (item.get_double().get(ms) != simdjson::SUCCESS) {
                    return failure{std::string(where) + ".ttfb_ms: not a number"};
                }
                side.ttfb_ms = ms;
            }
        } else if (key == "error") {
            side.has_error = type != od::json_type::null;
        } else if (key == "status") {
            std::uint64_t status = 0;
            if (type != od::json_type::null && item.get_uint64().get(status) == simdjson::SUCCESS &&
                status < 1000) {
                side.status = static_cast<unsigned>(status);
            }
        } else if (key == "grpc_status") {
            std::int64_t grpc_status = 0;
            if (type != od::json_type::null &&
                item.get_int64().get(grpc_status) == simdjson::SUCCESS) {
                side.grpc_status = static_cast<int>(grpc_status);
            }
        } else if (key == "llm") {
            detail::parse_llm_side(item, side);
        } else if (key == "prediction") {
            std::string_view text;
            if (auto f = as_failure(raw_text(item, text), where)) {
                return f;
            }
            if (!stats::prediction_key_from_raw(text, side.prediction_key)) {
                return failure{std::string(where) + ".prediction: not valid JSON"};
            }
            if (type == od::json_type::number) {
                // The key of a number is its shortest round-trip text: it gives the value back.
                const std::string& canonical = side.prediction_key;
                const char* end = canonical.data() + canonical.size();
                double number = 0;
                const auto [stop, code] = std::from_chars(canonical.data(), end, number);
                if (code == std::errc{} && stop == end) {
                    side.prediction_number = number;
                }
            }
        }
    }
    return std::nullopt;
}

stats::feature_kind feature_kind_of(od::value& item, double& number) {
    od::json_type type{};
    if (item.type().get(type) != simdjson::SUCCESS || type == od::json_type::null) {
        return stats::feature_kind::null;
    }
    if (type == od::json_type::number && item.get_double().get(number) == simdjson::SUCCESS) {
        return stats::feature_kind::number;
    }
    return stats::feature_kind::non_numeric;
}

std::optional<failure> parse_features(od::value value, parsed_record& out) {
    od::json_type type{};
    if (auto f = as_failure(value.type().get(type), "features")) {
        return f;
    }
    if (type == od::json_type::array) {
        out.form = parsed_record::features_form::array;
        od::array array;
        if (auto f = as_failure(value.get_array().get(array), "features")) {
            return f;
        }
        std::size_t index = 0;
        for (auto element : array) {
            od::value item;
            if (auto f = as_failure(element.get(item), "features")) {
                return f;
            }
            parsed_feature feature{{}, index++, stats::feature_kind::null, 0.0};
            feature.kind = feature_kind_of(item, feature.value);
            out.features.push_back(std::move(feature));
        }
    } else if (type == od::json_type::object) {
        out.form = parsed_record::features_form::object;
        od::object object;
        if (auto f = as_failure(value.get_object().get(object), "features")) {
            return f;
        }
        for (auto field_result : object) {
            od::field field;
            std::string_view key;
            if (std::move(field_result).get(field) != simdjson::SUCCESS ||
                field.unescaped_key().get(key) != simdjson::SUCCESS) {
                return failure{"features: malformed object"};
            }
            parsed_feature feature{std::string(key), 0, stats::feature_kind::null, 0.0};
            feature.kind = feature_kind_of(field.value(), feature.value);
            out.features.push_back(std::move(feature));
        }
    } else if (type == od::json_type::null) {
        out.form = parsed_record::features_form::null;
    } else {
        return failure{"features: neither an array, an object nor null"};
    }
    return std::nullopt;
}

void reset(parsed_record& out) {
    out.request_id.clear();
    out.shadow_name.clear();
    out.path.clear();
    out.ts.clear();
    out.status_match.reset();
    out.production = {};
    out.shadow = {};
    out.form = parsed_record::features_form::absent;
    out.features_truncated = false;
    out.features.clear();
    out.llm_compare.reset();
    out.noise_reference = false;
}

}  // namespace

record_parser::record_parser() : impl_(std::make_unique<impl>()) {}
record_parser::~record_parser() = default;

bool record_parser::parse(std::string_view line, parsed_record& out) {
    reset(out);
    auto& buffer = impl_->buffer;
    if (buffer.size() < line.size() + simdjson::SIMDJSON_PADDING) {
        buffer.resize(line.size() + simdjson::SIMDJSON_PADDING);
    }
    std::memcpy(buffer.data(), line.data(), line.size());

    std::optional<failure> problem;
    bool has_id = false;
    bool has_outcome = false;
    bool has_production = false;
    bool has_shadow = false;
    od::document document;
    od::object object;
    problem = as_failure(
        impl_->parser.iterate(buffer.data(), line.size(), buffer.size()).get(document), "not JSON");
    if (!problem && document.get_object().get(object) != simdjson::SUCCESS) {
        problem = failure{"not a JSON object"};
    }
    if (!problem) {
        for (auto field_result : object) {
            od::field field;
            std::string_view key;
            if (auto f = as_failure(std::move(field_result).get(field), "record")) {
                problem = f;
                break;
            }
            if (auto f = as_failure(field.unescaped_key().get(key), "record")) {
                problem = f;
                break;
            }
            od::value& item = field.value();
            if (key == "request_id") {
                std::string_view text;
                has_id = item.get_string().get(text) == simdjson::SUCCESS;
                out.request_id.assign(text);
            } else if (key == "outcome") {
                std::string_view text;
                if (item.get_string().get(text) == simdjson::SUCCESS) {
                    if (const auto parsed = stats::parse_outcome(text)) {
                        out.result = *parsed;
                        has_outcome = true;
                    }
                }
            } else if (key == "production") {
                problem = parse_side(item, out.production, nullptr, "production");
                has_production = true;
            } else if (key == "shadow") {
                problem = parse_side(item, out.shadow, &out.shadow_name, "shadow");
                has_shadow = !out.shadow_name.empty();
            } else if (key == "features") {
                problem = parse_features(item, out);
            } else if (key == "path" || key == "ts") {
                std::string& target = key == "path" ? out.path : out.ts;
                std::string_view text;
                if (item.get_string().get(text) == simdjson::SUCCESS) {
                    target.assign(text);
                }
            } else if (key == "status_match") {
                bool match = false;
                if (item.get_bool().get(match) == simdjson::SUCCESS) {
                    out.status_match = match;
                }
            } else if (key == "llm_compare") {
                out.llm_compare = detail::parse_llm_compare(item);
            } else if (key == "reference") {
                std::string_view text;
                out.noise_reference =
                    item.get_string().get(text) == simdjson::SUCCESS && text == "noise";
            } else if (key == "features_truncated") {
                bool truncated = false;
                out.features_truncated =
                    item.get_bool().get(truncated) == simdjson::SUCCESS && truncated;
            }
            if (problem) {
                break;
            }
        }
    }
    if (!problem && !has_id) {
        problem = failure{"missing or non-string \"request_id\""};
    }
    if (!problem && !has_outcome) {
        problem = failure{"missing or unknown \"outcome\""};
    }
    if (!problem && !has_production) {
        problem = failure{"missing \"production\""};
    }
    if (!problem && !has_shadow) {
        problem = failure{"missing \"shadow\" or its \"name\""};
    }
    if (problem) {
        error_ = std::move(problem->what);
        return false;
    }
    return true;
}

}  // namespace shadowproxy::report
