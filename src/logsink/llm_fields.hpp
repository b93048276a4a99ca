// The generated-text parts of a comparison record (docs/records.md): a side's "llm" object and
// the record's "llm_compare" object, appended as JSON text.
//
// Private to logsink, used by format_record(). Pure functions, any thread; they never throw
// except std::bad_alloc.
#pragma once

#include <string>

#include "shadowproxy/llm/llm_compare.hpp"
#include "shadowproxy/llm/side.hpp"

namespace shadowproxy::logsink::detail {

// A tool call's arguments are written up to this many bytes (the comparison saw them whole).
inline constexpr std::size_t tool_arguments_bytes = 256;

// {"ttft_ms":…,"itl_ms_mean":…,"itl_ms_p95":…,"output_tokens":…,"tokens_per_s":…,
//  "finish_reason":…,"tool_calls":[{"name":…,"arguments":…}],"tokens_estimated":…}
// finish_reason and tool_calls are those of the first choice.
void append_llm_side(std::string& out, const llm::side_answer& side);

// {"exact_match":…,"text_similarity":…,"token_f1":…,"length_ratio":…,"finish_reason_match":…,
//  "tool_calls_match":…[,"similarity_estimated":true]}
void append_llm_compare(std::string& out, const llm::llm_comparison& result);

}  // namespace shadowproxy::logsink::detail
