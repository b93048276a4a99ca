// Server-side history behind the dashboard's charts: per 5-second bucket over the last 15
// minutes, a shadow's requests, agreement, errors (transport or HTTP 5xx), status mismatches and
// the latency percentiles of both sides, so a freshly loaded page shows full charts.
//
// Owned by live_stats and used under its mutex (mirror thread records, admin thread reads); not
// thread-safe by itself. Memory is bounded: history_buckets buckets, each with two latency
// sketches (a few KiB). The caller passes whole seconds of a monotonic clock, so tests can drive
// time. Does not throw except std::bad_alloc.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "shadowproxy/stats/quantiles.hpp"

namespace shadowproxy::mirror {

inline constexpr std::int64_t history_resolution_seconds = 5;
inline constexpr std::size_t history_buckets = 180;  // 15 minutes

// One bucket's counts and percentiles, as served by /stats.
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

struct history_sample {
    bool agreement_known = false;  // both predictions present
    bool agreed = false;
    bool shadow_error = false;  // transport or 5xx
    bool shadow_server_error = false;
    bool status_mismatch = false;
    std::optional<double> production_ms;  // without a transport error
    std::optional<double> shadow_ms;
};

class live_history {
public:
    void record(const history_sample& sample, std::int64_t now_seconds);
    // Buckets in (now - 15 min, now], oldest first; empty buckets are included (zero requests),
    // from the first bucket that ever saw a record.
    std::vector<history_point> points(std::int64_t now_seconds) const;

private:
    struct bucket {
        std::int64_t start = INT64_MIN;
        history_point counts;
        stats::latency_sketch production, shadow;
    };
    std::array<bucket, history_buckets> buckets_;
    std::optional<std::int64_t> first_start_;
};

}  // namespace shadowproxy::mirror
