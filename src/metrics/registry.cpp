#include "shadowproxy/metrics/registry.hpp"

#include <algorithm>

namespace shadowproxy::metrics {

void histogram::observe(double seconds) {
    const auto it = std::lower_bound(bounds.begin(), bounds.end(), seconds);
    buckets_[static_cast<std::size_t>(it - bounds.begin())].inc();
    count_.inc();
    sum_ns_.inc(seconds > 0 ? static_cast<std::uint64_t>(seconds * 1e9) : 0);
}

std::vector<std::uint64_t> histogram::cumulative() const {
    std::vector<std::uint64_t> out(buckets_.size());
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
        running += buckets_[i].value();
        out[i] = running;
    }
    return out;
}

double histogram::sum_seconds() const {
    return static_cast<double>(sum_ns_.value()) / 1e9;
}

upstream_family& registry::upstream(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto& slot = upstreams_[name];
    if (!slot) {
        slot = std::make_unique<upstream_family>();
    }
    return *slot;
}

shadow_family& registry::shadow(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto& slot = shadows_[name];
    if (!slot) {
        slot = std::make_unique<shadow_family>();
    }
    return *slot;
}

void registry::set_active_shadows(std::vector<std::string> names) {
    std::lock_guard lock(mutex_);
    active_shadows_ = std::move(names);
}

std::vector<std::pair<std::string, const upstream_family*>> registry::upstreams() const {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<std::string, const upstream_family*>> out;
    for (const auto& [name, family] : upstreams_) {
        out.emplace_back(name, family.get());
    }
    return out;
}

std::vector<std::pair<std::string, const shadow_family*>> registry::shadows() const {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<std::string, const shadow_family*>> out;
    for (const auto& [name, family] : shadows_) {
        out.emplace_back(name, family.get());
    }
    return out;
}

std::vector<std::string> registry::active_shadows() const {
    std::lock_guard lock(mutex_);
    return active_shadows_;
}

}  // namespace shadowproxy::metrics
