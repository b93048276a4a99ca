#include "shadowproxy/mirror/live_history.hpp"

#include <algorithm>

namespace shadowproxy::mirror {

namespace {

std::int64_t bucket_start(std::int64_t seconds) {
    const std::int64_t r = seconds % history_resolution_seconds;
    return seconds - (r < 0 ? r + history_resolution_seconds : r);
}

std::size_t slot_of(std::int64_t start) {
    const auto index = start / history_resolution_seconds;
    const auto n = static_cast<std::int64_t>(history_buckets);
    return static_cast<std::size_t>(((index % n) + n) % n);
}

}  // namespace

void live_history::record(const history_sample& sample, std::int64_t now_seconds) {
    const std::int64_t start = bucket_start(now_seconds);
    if (!first_start_) {
        first_start_ = start;
    }
    bucket& b = buckets_[slot_of(start)];
    if (b.start != start) {
        b = bucket{};
        b.start = start;
        b.counts.start = start;
    }
    auto& c = b.counts;
    ++c.requests;
    c.agreement_n += sample.agreement_known ? 1 : 0;
    c.agreements += sample.agreement_known && sample.agreed ? 1 : 0;
    c.shadow_errors += sample.shadow_error ? 1 : 0;
    c.shadow_server_errors += sample.shadow_server_error ? 1 : 0;
    c.status_mismatches += sample.status_mismatch ? 1 : 0;
    if (sample.production_ms) {
        b.production.record(*sample.production_ms);
    }
    if (sample.shadow_ms) {
        b.shadow.record(*sample.shadow_ms);
    }
}

std::vector<history_point> live_history::points(std::int64_t now_seconds) const {
    std::vector<history_point> out;
    if (!first_start_) {
        return out;
    }
    const std::int64_t last = bucket_start(now_seconds);
    const std::int64_t span =
        history_resolution_seconds * static_cast<std::int64_t>(history_buckets);
    const std::int64_t first = std::max(*first_start_, last - span + history_resolution_seconds);
    for (std::int64_t start = first; start <= last; start += history_resolution_seconds) {
        const bucket& b = buckets_[slot_of(start)];
        if (b.start != start) {
            history_point empty;
            empty.start = start;
            out.push_back(empty);
            continue;
        }
        history_point p = b.counts;
        p.production_p50 = b.production.quantile(0.50);
        p.production_p95 = b.production.quantile(0.95);
        p.production_p99 = b.production.quantile(0.99);
        p.shadow_p50 = b.shadow.quantile(0.50);
        p.shadow_p95 = b.shadow.quantile(0.95);
        p.shadow_p99 = b.shadow.quantile(0.99);
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace shadowproxy::mirror
