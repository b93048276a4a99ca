#include "logsink/llm_fields.hpp"

#include "logsink/json_text.hpp"
#include "shadowproxy/compare/comparator.hpp"

namespace shadowproxy::logsink::detail {

namespace {

void append_optional(std::string& out, const char* key, const std::optional<double>& value,
                     bool millis) {
    out += key;
    if (!value) {
        out += "null";
    } else if (millis) {
        append_millis(out, *value);
    } else {
        append_number(out, *value);
    }
}

}  // namespace

void append_llm_side(std::string& out, const llm::side_answer& side) {
    append_optional(out, "{\"ttft_ms\":", side.ttft_ms, true);
    append_optional(out, ",\"itl_ms_mean\":", side.itl_ms_mean, true);
    append_optional(out, ",\"itl_ms_p95\":", side.itl_ms_p95, true);
    out += ",\"output_tokens\":";
    out += std::to_string(side.output_tokens);
    append_optional(out, ",\"tokens_per_s\":", side.tokens_per_s, false);
    const llm::choice* first =
        side.assembled.choices.empty() ? nullptr : &side.assembled.choices.front();
    out += ",\"finish_reason\":";
    if (first != nullptr && first->finish_reason) {
        append_string(out, *first->finish_reason);
    } else {
        out += "null";
    }
    out += ",\"tool_calls\":[";
    if (first != nullptr) {
        bool comma = false;
        for (const auto& call : first->tool_calls) {
            out += comma ? ",{\"name\":" : "{\"name\":";
            comma = true;
            append_string(out, call.name);
            out += ",\"arguments\":";
            append_string(out, compare::utf8_prefix(call.arguments, tool_arguments_bytes));
            out += '}';
        }
    }
    out += "],\"tokens_estimated\":";
    out += side.tokens_estimated ? "true" : "false";
    out += '}';
}

void append_llm_compare(std::string& out, const llm::llm_comparison& result) {
    out += "{\"exact_match\":";
    out += result.exact_match ? "true" : "false";
    out += ",\"text_similarity\":";
    append_number(out, result.text_similarity);
    out += ",\"token_f1\":";
    append_number(out, result.token_f1);
    append_optional(out, ",\"length_ratio\":", result.length_ratio, false);
    out += ",\"finish_reason_match\":";
    out += result.finish_reason_match ? "true" : "false";
    out += ",\"tool_calls_match\":";
    out += result.tool_calls_match ? "true" : "false";
    if (result.similarity_estimated) {
        out += ",\"similarity_estimated\":true";
    }
    out += '}';
}

}  // namespace shadowproxy::logsink::detail
