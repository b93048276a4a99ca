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
#include "shadowproxy/stats/live_snapshot.hpp"
#include "shadowproxy/stats/promotion.hpp"
#include "shadowproxy/stats/regression.hpp"
#include "shadowproxy/stats/segments.hpp"
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
// {"production", "shadow"} error rates (transport error or HTTP status >= 500).
ordered_json latency_to_json(const shadow_summary& summary);
ordered_json error_rate_to_json(const shadow_summary& summary);
// {"production", "shadow"}: each side's time-to-first-byte percentiles.
ordered_json ttfb_to_json(const shadow_summary& summary);

// Adds a shadow's "error_rate", "transport_error_rate", "server_errors",
// "status_mismatch_rate" and "status_mismatches" to `out`.
void add_errors(ordered_json& out, const shadow_summary& summary);

// {"passed", "unevaluated", "criteria": [{"name", "threshold", "value", "passed"}, ...]}; a
// NOT EVALUATED criterion has "passed": null and a "reason"; one judged on the 95% interval's
// lower bound has "measure": "ci95_low".
ordered_json to_json(const promotion_result& result);

// Regression against production: {"n", "mae", "within_tolerance", "within_tolerance_ci95"}
// (null when n == 0). The live form has just these; the report's adds "non_numeric", "rmse",
// "max_abs_error", "bias", "pearson", "spearman", "residual", "within_tolerance_count" and,
// with labels, "labels": {"production", "shadow"} as {"mae", "rmse", "n"}.
ordered_json to_json(const live_regression& regression);
ordered_json to_json(const regression_summary& regression, bool has_labels);

// Accuracy against the labels: each side's rate and Wilson interval, joined/unlabeled counts,
// the McNemar p-value of the paired correctness, and per-class precision/recall/F1.
ordered_json to_json(const accuracy_summary& accuracy, std::uint64_t unmatched_labels);

// [{"dimension", "segment", "n", "value", "ci95"}, ...] worst first.
ordered_json segments_to_json(const std::vector<segment_row>& rows);

// One feature: {"missing", "null", "non_numeric", "psi", "numeric"}.
ordered_json to_json(const feature_report& feature);

// {"requests", "truncated", "has_baseline", "max_psi"}, without the per-feature entries.
ordered_json summary_to_json(const features_summary& summary);

// {name: to_json(feature), ...} in the summary's order.
ordered_json features_to_json(const features_summary& summary);

}  // namespace shadowproxy::stats
