#include "shadowproxy/logsink/record.hpp"

#include <algorithm>

#include "logsink/json_text.hpp"
#include "logsink/llm_fields.hpp"

namespace shadowproxy::logsink {

namespace {

using detail::append_json;
using detail::append_millis;
using detail::append_string;

void append_bool(std::string& out, bool value) {
    out += value ? "true" : "false";
}

// `"key":` — keys here are fixed ASCII words, never user data.
void append_key(std::string& out, std::string_view key) {
    out.push_back('"');
    out += key;
    out += "\":";
}

// A body as docs/records.md wants it; returns whether it was truncated.
bool append_body(std::string& out, std::string_view body, std::size_t limit) {
    if (body.size() > limit) {
        append_string(out, compare::utf8_prefix(body, limit));
        return true;
    }
    nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_discarded()) {
        append_string(out, body);
    } else {
        append_json(out, parsed);
    }
    return false;
}

// Returns whether the side's body was cut to body_limit_bytes (only with include_bodies).
bool append_side(std::string& out, std::string_view name, const compare::side_response& side,
                 const double* queue_ms, const nlohmann::json& prediction,
                 const llm::side_answer* generated, const config::log_config& settings) {
    const bool failed = side.error.has_value();
    bool truncated = false;
    out += "{\"name\":";
    append_string(out, name);
    out += ",\"status\":";
    if (failed) {
        out += "null";
    } else {
        out += std::to_string(side.status);
    }
    out += ",\"latency_ms\":";
    append_millis(out, side.latency_ms);
    out += ",\"ttfb_ms\":";
    append_millis(out, side.ttfb_ms);
    if (queue_ms != nullptr) {
        out += ",\"queue_ms\":";
        append_millis(out, *queue_ms);
    }
    out += ",\"bytes\":";
    out += std::to_string(std::max<std::uint64_t>(side.bytes, side.body.size()));
    out += ",\"error\":";
    if (failed) {
        append_string(out, compare::to_string(*side.error));
    } else {
        out += "null";
    }
    if (side.grpc_status) {
        out += ",\"grpc_status\":";
        out += std::to_string(*side.grpc_status);
    }
    out += ",\"prediction\":";
    append_json(out, prediction);
    if (generated != nullptr) {
        out += ",\"llm\":";
        detail::append_llm_side(out, *generated);
    }
    if (settings.include_bodies) {
        out += ",\"body\":";
        truncated = append_body(out, side.body, settings.body_limit_bytes) || side.truncated;
    }
    if (settings.include_bodies || side.truncated) {
        out += ",\"truncated\":";
        append_bool(out, truncated || side.truncated);
    }
    out.push_back('}');
    return truncated;
}

// The JSON type of one side of a diff, or null when that side has nothing at the pointer.
void append_type(std::string& out, const nlohmann::json& value, bool missing) {
    if (missing) {
        out += "null";
        return;
    }
    out.push_back('"');
    out += value.type_name();
    out.push_back('"');
}

// With diff_values off an entry says where and what kind of difference, never the values.
void append_diffs(std::string& out, const std::vector<compare::diff_entry>& diffs,
                  bool with_values) {
    out.push_back('[');
    for (std::size_t i = 0; i < diffs.size(); ++i) {
        const auto& diff = diffs[i];
        out += i == 0 ? "{\"pointer\":" : ",{\"pointer\":";
        append_string(out, diff.pointer);
        if (with_values) {
            out += ",\"production\":";
            append_json(out, diff.production);
            out += ",\"shadow\":";
            append_json(out, diff.shadow);
        } else {
            out += ",\"production_type\":";
            append_type(out, diff.production, diff.missing == "production");
            out += ",\"shadow_type\":";
            append_type(out, diff.shadow, diff.missing == "shadow");
        }
        if (diff.missing) {
            out += ",\"missing\":";
            append_string(out, *diff.missing);
        }
        out.push_back('}');
    }
    out.push_back(']');
}

bool iequals(std::string_view a, std::string_view b) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [&](char x, char y) { return lower(x) == lower(y); });
}

}  // namespace

std::string format_record(const record_fields& fields, const config::log_config& settings) {
    static const compare::side_response no_answer{};
    static const compare::comparison no_result{};
    const auto& production = fields.production != nullptr ? *fields.production : no_answer;
    const auto& shadow = fields.shadow != nullptr ? *fields.shadow : no_answer;
    const auto& result = fields.result != nullptr ? *fields.result : no_result;

    std::string out;
    out.reserve(settings.include_bodies ? 512 + 3 * settings.body_limit_bytes : 512);
    out += "{\"ts\":";
    detail::append_timestamp(out, fields.ts);
    out += ",\"request_id\":";
    append_string(out, fields.request_id);
    out += ",\"method\":";
    append_string(out, fields.method);
    out += ",\"path\":";
    append_string(out, fields.path);
    out += ",\"production\":";
    const bool production_truncated =
        append_side(out, fields.production_name, production, nullptr, result.production_prediction,
                    fields.production_llm, settings);
    out += ",\"shadow\":";
    const bool shadow_truncated =
        append_side(out, fields.shadow_name, shadow, &fields.queue_ms, result.shadow_prediction,
                    fields.shadow_llm, settings);
    out += ",\"outcome\":\"";
    out += compare::to_string(result.result);
    out += "\",";
    append_key(out, "prediction_match");
    append_bool(out, result.prediction_match);
    out += ",";
    append_key(out, "status_match");
    append_bool(out, result.status_match);
    out += ",";
    append_key(out, "body_match");
    if (result.body_compared) {
        append_bool(out, result.body_match);
    } else {
        out += "null";
    }
    out += ",\"diffs\":";
    append_diffs(out, result.diffs, settings.diff_values);
    if (fields.llm_compare != nullptr) {
        out += ",\"llm_compare\":";
        detail::append_llm_compare(out, *fields.llm_compare);
    }
    if (fields.noise_reference) {
        out += ",\"reference\":\"noise\"";
    }
    if (fields.client_aborted) {
        out += ",\"client_aborted\":true";
    }
    if (fields.features != nullptr) {
        out += ",\"features\":";
        append_json(out, *fields.features);
        out += ",\"features_truncated\":";
        append_bool(out, fields.features_truncated);
    }
    if (settings.include_bodies) {
        out += ",\"request_body\":";
        const bool truncated = append_body(out, fields.request_body, settings.body_limit_bytes);
        out += ",\"request_body_truncated\":";
        append_bool(out, truncated);
        out += ",\"truncated\":";
        append_bool(out, truncated || production_truncated || shadow_truncated);
    }
    out += "}\n";
    return out;
}

bool is_redacted(std::string_view header_name, const config::log_config& settings) {
    return std::any_of(settings.redact_headers.begin(), settings.redact_headers.end(),
                       [&](const std::string& name) { return iequals(name, header_name); });
}

}  // namespace shadowproxy::logsink
