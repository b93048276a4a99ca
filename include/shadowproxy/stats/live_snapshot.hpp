// What the live statistics show: the snapshot mirror::live_stats hands to the admin listener
// (/stats, the dashboard) and the feature counters of /metrics. Plain values: admin reads them
// without depending on the mirror or the comparator.
//
// Built by mirror::live_stats::snapshot() / feature_counts() under its lock and owned by the
// caller afterwards; any thread may read a copy. Nothing here throws beyond std::bad_alloc.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shadowproxy/stats/feature_monitor.hpp"
#include "shadowproxy/stats/llm_accumulator.hpp"
#include "shadowproxy/stats/shadow_accumulator.hpp"

namespace shadowproxy::stats {

// Length of the sliding window of the live statistics, in seconds.
inline constexpr std::uint32_t live_window_seconds = 60;

// Counts over the last live_window_seconds seconds.
struct live_window {
    std::uint64_t requests = 0;
    std::array<std::uint64_t, outcome_names.size()> outcomes{};
    std::uint64_t agreement_n = 0;
    std::uint64_t agreements = 0;
    std::uint64_t production_errors = 0;  // transport error or HTTP status >= 500
    std::uint64_t shadow_errors = 0;
    std::uint64_t status_mismatches = 0;
    percentiles production_latency, shadow_latency;
};

// Numeric predictions since start, for prediction_type regression: within the compare
// tolerances (the comparator's prediction_match) and the mean absolute difference.
struct live_regression {
    std::uint64_t n = 0;
    std::uint64_t within = 0;
    double abs_sum = 0.0;
};

// The dashboard history: buckets of history_resolution_seconds over the last
// history_buckets * history_resolution_seconds seconds (15 minutes).
inline constexpr std::int64_t history_resolution_seconds = 5;
inline constexpr std::size_t history_buckets = 180;

// One history bucket's counts and percentiles, as served by /stats.
struct history_point {
    std::int64_t start = 0;  // monotonic seconds of the bucket's start
    std::uint64_t requests = 0;
    std::uint64_t agreement_n = 0;
    std::uint64_t agreements = 0;
    std::uint64_t shadow_errors = 0;         // transport error or HTTP status >= 500
    std::uint64_t shadow_server_errors = 0;  // HTTP status >= 500
    std::uint64_t status_mismatches = 0;
    std::optional<double> production_p50, production_p95, production_p99;
    std::optional<double> shadow_p50, shadow_p95, shadow_p99;
};

struct live_shadow {
    shadow_summary since_start;
    std::optional<llm_summary> llm;  // since start, when it compared generated text
    bool noise_reference = false;    // the noise reference: production vs itself
    live_regression regression;
    live_window last_window;
    std::vector<history_point> history;  // oldest first
};

struct live_snapshot {
    double uptime_seconds = 0;
    double now_unix_seconds = 0;       // wall clock at the snapshot, to date the history buckets
    std::int64_t now_seconds = 0;      // the monotonic seconds history_point::start counts in
    std::vector<live_shadow> shadows;  // by name
    // Production over the requests mirrored at least once, each counted once.
    percentiles production_latency, production_latency_window;
    // Present when features are configured.
    std::optional<features_summary> features;
    std::optional<features_summary> features_window;
    double features_window_seconds = 0;  // how far back features_window reaches
};

// feature_missing_total / feature_null_total of one feature.
struct feature_count {
    std::string name;
    std::uint64_t missing = 0;
    std::uint64_t null = 0;
};

}  // namespace shadowproxy::stats
