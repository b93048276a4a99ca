#include "shadowproxy/logsink/record.hpp"

#include <algorithm>

#include "logsink/json_text.hpp"
#include "logsink/llm_fields.hpp"

namespace shadowproxy::logsink {

namespace {

using namespace std::string_view_literals;
using detail::append_json;
using detail::append_string;
using detail::put;
using detail::put_integer;
using detail::put_millis;

void append_bool(std::string& out, bool value) {
    out += value ? "true"sv : "false"sv;
}

char* put_bool(char* p, bool value) {
    return put(p, value ? "true" : "false");
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
    out += "{\"name\":"sv;
    append_string(out, name);
    // From status to prediction: fixed words and numbers, one append. The bound: the keys
    // (77), four numbers of at most 24 characters and a quoted error word.
    char text[320];
    char* p = put(text, ",\"status\":");
    p = failed ? put(p, "null") : put_integer(p, side.status);
    p = put(p, ",\"latency_ms\":");
    p = put_millis(p, side.latency_ms);
    p = put(p, ",\"ttfb_ms\":");
    p = put_millis(p, side.ttfb_ms);
    if (queue_ms != nullptr) {
        p = put(p, ",\"queue_ms\":");
        p = put_millis(p, *queue_ms);
    }
    p = put(p, ",\"bytes\":");
    p = put_integer(p, std::max<std::uint64_t>(side.bytes, side.body.size()));
    p = put(p, ",\"error\":");
    if (failed) {
        // Error words are fixed ASCII words: nothing to escape.
        p = put(p, "\"");
        p = put(p, compare::to_string(*side.error));
        p = put(p, "\"");
    } else {
        p = put(p, "null");
    }
    if (side.grpc_status) {
        p = put(p, ",\"grpc_status\":");
        p = put_integer(p, *side.grpc_status);
    }
    p = put(p, ",\"prediction\":");
    out.append(text, p);
    append_json(out, prediction);
    if (generated != nullptr) {
        out += ",\"llm\":"sv;
        detail::append_llm_side(out, *generated);
    }
    if (settings.include_bodies) {
        out += ",\"body\":"sv;
        truncated = append_body(out, side.body, settings.body_limit_bytes) || side.truncated;
    }
    if (settings.include_bodies || side.truncated) {
        out += ",\"truncated\":"sv;
        append_bool(out, truncated || side.truncated);
    }
    out.push_back('}');
    return truncated;
}

// The JSON type of one side of a diff, or null when that side has nothing at the pointer.
void append_type(std::string& out, const nlohmann::json& value, bool missing) {
    if (missing) {
        out += "null"sv;
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
        out += i == 0 ? "{\"pointer\":"sv : ",{\"pointer\":"sv;
        append_string(out, diff.pointer);
        if (with_values) {
            out += ",\"production\":"sv;
            append_json(out, diff.production);
            out += ",\"shadow\":"sv;
            append_json(out, diff.shadow);
        } else {
            out += ",\"production_type\":"sv;
            append_type(out, diff.production, diff.missing == "production");
            out += ",\"shadow_type\":"sv;
            append_type(out, diff.shadow, diff.missing == "shadow");
        }
        if (diff.missing) {
            out += ",\"missing\":"sv;
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
    // Runs of fixed words and numbers go through a stack buffer, one append each: at most
    // the timestamp (48) and the outcome run's keys and words (about 100).
    char text[160];
    char* p = put(text, "{\"ts\":");
    p = detail::put_timestamp(p, fields.ts);
    p = put(p, ",\"request_id\":");
    out.append(text, p);
    append_string(out, fields.request_id);
    out += ",\"method\":"sv;
    append_string(out, fields.method);
    out += ",\"path\":"sv;
    append_string(out, fields.path);
    out += ",\"production\":"sv;
    const bool production_truncated =
        append_side(out, fields.production_name, production, nullptr, result.production_prediction,
                    fields.production_llm, settings);
    out += ",\"shadow\":"sv;
    const bool shadow_truncated =
        append_side(out, fields.shadow_name, shadow, &fields.queue_ms, result.shadow_prediction,
                    fields.shadow_llm, settings);
    p = put(text, ",\"outcome\":\"");
    p = put(p, compare::to_string(result.result));
    p = put(p, "\",\"prediction_match\":");
    p = put_bool(p, result.prediction_match);
    p = put(p, ",\"status_match\":");
    p = put_bool(p, result.status_match);
    p = put(p, ",\"body_match\":");
    p = result.body_compared ? put_bool(p, result.body_match) : put(p, "null");
    p = put(p, ",\"diffs\":");
    out.append(text, p);
    append_diffs(out, result.diffs, settings.diff_values);
    if (fields.llm_compare != nullptr) {
        out += ",\"llm_compare\":"sv;
        detail::append_llm_compare(out, *fields.llm_compare);
    }
    if (fields.noise_reference) {
        out += ",\"reference\":\"noise\""sv;
    }
    if (fields.client_aborted) {
        out += ",\"client_aborted\":true"sv;
    }
    if (fields.features != nullptr) {
        out += ",\"features\":"sv;
        append_json(out, *fields.features);
        out += ",\"features_truncated\":"sv;
        append_bool(out, fields.features_truncated);
    }
    if (settings.include_bodies) {
        out += ",\"request_body\":"sv;
        const bool truncated = append_body(out, fields.request_body, settings.body_limit_bytes);
        out += ",\"request_body_truncated\":"sv;
        append_bool(out, truncated);
        out += ",\"truncated\":"sv;
        append_bool(out, truncated || production_truncated || shadow_truncated);
    }
    out += "}\n"sv;
    return out;
}

bool is_redacted(std::string_view header_name, const config::log_config& settings) {
    return std::any_of(settings.redact_headers.begin(), settings.redact_headers.end(),
                       [&](const std::string& name) { return iequals(name, header_name); });
}

}  // namespace shadowproxy::logsink
