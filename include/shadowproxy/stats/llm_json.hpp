// The JSON form of the generated-text statistics and of the noise floor, shared by `/stats` and
// `report --format json` so both print the same keys (docs/report.md, "llm" and "noise").
//
// Pure functions over values; any thread; they do not throw except std::bad_alloc.
#pragma once

#include "shadowproxy/stats/json_forms.hpp"
#include "shadowproxy/stats/llm_accumulator.hpp"
#include "shadowproxy/stats/noise_floor.hpp"

namespace shadowproxy::stats {

// {"compared", "exact_match": {"rate", "ci95", "n"}, "text_similarity" and "token_f1":
// {"mean", "ci95", "p10", "p50", "n"}, "ttft_ms": {"production", "shadow", "delta"},
// "itl_ms" and "tokens_per_s": {"production", "shadow"} (each {"p50", "p95", "p99", "n"}),
// "length_ratio": {"p10", "p50", "p90", "n"}, "finish_reason": {"mismatch_rate", "confusion":
// [{"production", "shadow", "count"}]}, "tool_call_agreement"}.
ordered_json to_json(const llm_summary& summary);

// {"metric", "floor", "floor_n", "candidate", "candidate_n", "gap", "ci95"}.
ordered_json to_json(const noise_gap& gap);

}  // namespace shadowproxy::stats
