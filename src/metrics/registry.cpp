#include "shadowproxy/metrics/registry.hpp"

#include <algorithm>

namespace shadowproxy::metrics {

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
