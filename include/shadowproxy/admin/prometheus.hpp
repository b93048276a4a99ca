// Prometheus text exposition (format 0.0.4) of the metrics registry, docs/operations.md names.
// Pure over a registry snapshot: any thread may call it; it reads relaxed atomics, so counters
// read at slightly different instants (no lock against the data path).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shadowproxy/metrics/registry.hpp"
#include "shadowproxy/stats/live_snapshot.hpp"

namespace shadowproxy::admin {

struct extra_metrics {
    std::uint64_t log_records_dropped = 0;
    std::uint64_t log_records_written = 0;
    // feature_missing_total / feature_null_total (docs/report.md), empty without `features`.
    std::vector<stats::feature_count> features;
};

std::string render_prometheus(const metrics::registry& registry, const extra_metrics& extra);

}  // namespace shadowproxy::admin
