#include "shadowproxy/stats/segments.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace shadowproxy::stats {

namespace {

bool worse(const segment_row& a, const segment_row& b) {
    if (a.value != b.value) {
        return a.value > b.value;
    }
    if (a.n != b.n) {
        return a.n > b.n;
    }
    return a.dimension != b.dimension ? a.dimension < b.dimension : a.segment < b.segment;
}

std::string compact(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4g", value);
    return buffer;
}

segment_row row_of(std::string dimension, std::string segment, std::uint64_t n, double sum,
                   double squared, segment_score kind) {
    segment_row row{std::move(dimension), std::move(segment), n, 0.0, {}};
    const auto count = static_cast<double>(n);
    row.value = sum / count;
    if (kind == segment_score::rate) {
        row.ci95 = wilson_interval(static_cast<std::uint64_t>(std::llround(sum)), n);
    } else {
        const double variance =
            n > 1 ? std::max(0.0, (squared - sum * sum / count) / (count - 1.0)) : 0.0;
        const double half = z_95 * std::sqrt(variance / count);
        row.ci95 = {std::max(0.0, row.value - half), row.value + half};
    }
    return row;
}

}  // namespace

std::string bucket_name(double low, double high, bool last) {
    return "[" + compact(low) + ", " + compact(high) + (last ? "]" : ")");
}

void segment_table::add(std::string_view segment, double score) {
    auto found = segments_.find(segment);
    if (found == segments_.end()) {
        found = segments_.emplace(std::string(segment), sums{}).first;
    }
    ++found->second.n;
    found->second.sum += score;
    found->second.squared += score * score;
}

std::vector<segment_row> segment_table::rows(const std::string& dimension, segment_score kind,
                                             std::uint64_t min_n) const {
    std::vector<segment_row> out;
    for (const auto& [name, s] : segments_) {
        if (s.n >= min_n) {
            out.push_back(row_of(dimension, name, s.n, s.sum, s.squared, kind));
        }
    }
    std::sort(out.begin(), out.end(), worse);
    return out;
}

feature_segments::feature_segments(const baseline* base, std::size_t max_points)
    : base_(base), max_points_(std::max<std::size_t>(max_points, 1)) {}

void feature_segments::add(std::string_view feature, double value, double score) {
    if (std::isnan(value)) {
        return;
    }
    auto found = features_.find(feature);
    if (found == features_.end()) {
        feature_state state;
        state.bins = base_ != nullptr ? base_->find(feature) : nullptr;
        if (state.bins != nullptr) {
            const std::size_t bins = state.bins->edges.size() - 1;
            state.sums = {std::vector<std::uint64_t>(bins, 0), std::vector<double>(bins, 0.0),
                          std::vector<double>(bins, 0.0)};
        }
        found = features_.emplace(std::string(feature), std::move(state)).first;
    }
    feature_state& state = found->second;
    if (state.bins != nullptr) {
        const std::size_t i = bin_index(state.bins->edges, value);
        ++state.sums.n[i];
        state.sums.sum[i] += score;
        state.sums.squared[i] += score * score;
        return;
    }
    // Reservoir sampling (Algorithm R) with a xorshift generator: a uniform sample of the values.
    ++state.seen;
    const point p{static_cast<float>(value), static_cast<float>(score)};
    if (state.sample.size() < max_points_) {
        state.sample.push_back(p);
        return;
    }
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    const std::uint64_t slot = rng_ % state.seen;
    if (slot < max_points_) {
        state.sample[slot] = p;
    }
}

std::vector<segment_row> feature_segments::rows(segment_score kind, std::uint64_t min_n) const {
    std::vector<segment_row> out;
    for (const auto& [name, state] : features_) {
        std::vector<double> edges;
        bin_sums sums;
        if (state.bins != nullptr) {
            edges = state.bins->edges;
            sums = state.sums;
        } else {
            std::vector<double> sorted;
            sorted.reserve(state.sample.size());
            for (const auto& p : state.sample) {
                sorted.push_back(p.value);
            }
            std::sort(sorted.begin(), sorted.end());
            edges = equal_frequency_edges(sorted, baseline_bins);
            const std::size_t bins = edges.size() - 1;
            sums = {std::vector<std::uint64_t>(bins, 0), std::vector<double>(bins, 0.0),
                    std::vector<double>(bins, 0.0)};
            for (const auto& p : state.sample) {
                const std::size_t i = bin_index(edges, p.value);
                ++sums.n[i];
                sums.sum[i] += p.score;
                sums.squared[i] += static_cast<double>(p.score) * p.score;
            }
        }
        const std::size_t bins = edges.size() - 1;
        for (std::size_t i = 0; i < bins; ++i) {
            if (sums.n[i] >= min_n) {
                out.push_back(row_of("feature " + name,
                                     bucket_name(edges[i], edges[i + 1], i + 1 == bins), sums.n[i],
                                     sums.sum[i], sums.squared[i], kind));
            }
        }
    }
    std::sort(out.begin(), out.end(), worse);
    return out;
}

std::vector<segment_row> top_segments(std::vector<segment_row> rows, std::size_t top) {
    std::sort(rows.begin(), rows.end(), worse);
    rows.resize(std::min(rows.size(), top));
    return rows;
}

}  // namespace shadowproxy::stats
