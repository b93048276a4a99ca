#include "shadowproxy/stats/feature_monitor.hpp"

#include <algorithm>

namespace shadowproxy::stats {

namespace {

constexpr std::size_t unresolved_position = static_cast<std::size_t>(-1);

}  // namespace

feature_monitor::feature_monitor(std::vector<std::string> array_names,
                                 std::shared_ptr<const baseline> base, std::size_t max_features)
    : array_names_(std::move(array_names)), base_(std::move(base)), max_features_(max_features) {
    if (base_) {
        for (const auto& f : base_->features) {
            state_of(f.name);
        }
    }
}

feature_monitor::feature_state* feature_monitor::state_of(std::string_view name) {
    if (const auto found = index_.find(name); found != index_.end()) {
        return &states_[found->second];
    }
    if (states_.size() >= max_features_) {
        return nullptr;
    }
    feature_state state;
    state.name = std::string(name);
    state.bins = base_ ? base_->find(name) : nullptr;
    if (state.bins) {
        state.bin_counts.assign(state.bins->shares.size(), 0);
    }
    index_.emplace(state.name, states_.size());
    states_.push_back(std::move(state));
    return &states_.back();
}

void feature_monitor::begin_request(bool truncated) {
    ++requests_;
    truncated_ += truncated ? 1 : 0;
}

void feature_monitor::count(feature_state& state, feature_kind kind, double value) {
    switch (kind) {
        case feature_kind::null:
            ++state.nulls;
            break;
        case feature_kind::non_numeric:
            ++state.non_numeric;
            break;
        case feature_kind::number:
            ++state.numeric;
            if (state.bins) {
                ++state.bin_counts[bin_index(state.bins->edges, value)];
            }
            break;
    }
}

void feature_monitor::observe(std::string_view name, feature_kind kind, double value) {
    if (feature_state* state = state_of(name)) {
        count(*state, kind, value);
    }
}

void feature_monitor::observe_position(std::size_t index, feature_kind kind, double value) {
    if (index >= position_index_.size()) {
        position_index_.resize(index + 1, unresolved_position);
    }
    if (position_index_[index] == unresolved_position) {
        const std::string name =
            index < array_names_.size() ? array_names_[index] : std::to_string(index);
        if (state_of(name) == nullptr) {
            return;
        }
        position_index_[index] = index_.find(name)->second;
    }
    // Resolved once per position, so array records skip the name lookup.
    count(states_[position_index_[index]], kind, value);
}

features_summary feature_monitor::summarize() const {
    features_summary summary;
    summary.requests = requests_;
    summary.truncated = truncated_;
    summary.has_baseline = base_ != nullptr;
    const auto total = static_cast<double>(requests_);
    for (const auto& state : states_) {
        feature_report report;
        report.name = state.name;
        report.numeric = state.numeric;
        if (requests_ > 0) {
            const std::uint64_t present = state.nulls + state.non_numeric + state.numeric;
            report.missing = static_cast<double>(requests_ - std::min(present, requests_)) / total;
            report.null = static_cast<double>(state.nulls) / total;
            report.non_numeric = static_cast<double>(state.non_numeric) / total;
        }
        if (state.bins && state.numeric > 0) {
            std::vector<double> live;
            for (const auto c : state.bin_counts) {
                live.push_back(static_cast<double>(c) / static_cast<double>(state.numeric));
            }
            report.psi = psi(state.bins->shares, live);
            summary.max_psi = std::max(summary.max_psi.value_or(*report.psi), *report.psi);
        }
        summary.features.push_back(std::move(report));
    }
    return summary;
}

}  // namespace shadowproxy::stats
