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

#include "shadowproxy/stats/live_snapshot.hpp"
#include "shadowproxy/stats/quantiles.hpp"

namespace shadowproxy::mirror {

using stats::history_buckets;
using stats::history_point;
using stats::history_resolution_seconds;

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
