// The /stats document (docs/operations.md): per shadow the live statistics (counts by outcome,
// agreement with its Wilson interval, Cohen's kappa, latency percentiles since start and over the
// last 60 s, error rates), the mirror counters (eligible, sent, queue depth, drops) and the
// promotion verdict of the config's criteria; plus input monitoring when features are configured.
//
// A pure function of its arguments, called on the admin thread with a snapshot taken there.
// Does not throw except std::bad_alloc.
#pragma once

#include <string>

#include "shadowproxy/config/config.hpp"
#include "shadowproxy/metrics/registry.hpp"
#include "shadowproxy/stats/live_snapshot.hpp"

namespace shadowproxy::admin {

struct stats_inputs {
    const config::config& config;  // the running config: shadows listed, promotion criteria
    const metrics::registry& registry;
    const stats::live_snapshot& live;
    bool draining = false;
    std::uint64_t log_records_written = 0;
    std::uint64_t log_records_dropped = 0;
};

// Keys as in `report --format json` where they mean the same (outcomes, agreement, kappa,
// latency_ms, error_rate, promotion), so one reader understands both.
std::string render_stats(const stats_inputs& inputs);

}  // namespace shadowproxy::admin
