// The JSON form of the statistics, one function per struct, used by both `/stats`
// (admin/stats_page.cpp) and `report --format json` (report/json_output.cpp) so the two print
// the same keys and the same values for the same numbers. docs/operations.md describes the form.
//
// Pure functions over values; any thread may call them. They do not throw except
// std::bad_alloc.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "shadowproxy/stats/feature_monitor.hpp"
#include "shadowproxy/stats/promotion.hpp"
#include "shadowproxy/stats/shadow_accumulator.hpp"

namespace shadowproxy::stats {

using ordered_json = nlohmann::ordered_json;

// A number, or null when undefined.
ordered_json optional_number(const std::optional<double>& value);

// {"p50", "p95", "p99", "n"}; a percentile is null without values.
ordered_json to_json(const percentiles& p);

// {"match": n, ...} in the order of the outcome words.
ordered_json outcomes_to_json(const std::array<std::uint64_t, outcome_names.size()>& counts);

// {"rate", "ci95", "n"}: rate and the Wilson 95% interval [low, high] of agreements/n; both
// null when n == 0 (nothing measured).
ordered_json agreement_to_json(std::uint64_t agreements, std::uint64_t n);

// A shadow's {"production", "shadow", "delta"} latency percentiles and its
// {"production", "shadow"} error rates.
ordered_json latency_to_json(const shadow_summary& summary);
ordered_json error_rate_to_json(const shadow_summary& summary);

// {"passed", "criteria": [{"name", "threshold", "value", "passed"}, ...]}.
ordered_json to_json(const promotion_result& result);

// One feature: {"missing", "null", "non_numeric", "psi", "numeric"}.
ordered_json to_json(const feature_report& feature);

// {"requests", "truncated", "has_baseline", "max_psi"}, without the per-feature entries.
ordered_json summary_to_json(const features_summary& summary);

// {name: to_json(feature), ...} in the summary's order.
ordered_json features_to_json(const features_summary& summary);

}  // namespace shadowproxy::stats
