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

void feature_segments::add(std::string_view feature, double value, double score) {
    if (std::isnan(value)) {
        return;
    }
    auto found = features_.find(feature);
    if (found == features_.end()) {
        found = features_.emplace(std::string(feature), std::vector<point>{}).first;
    }
    found->second.push_back({value, score});
}

std::vector<segment_row> feature_segments::rows(const baseline* base, segment_score kind,
                                                std::uint64_t min_n) const {
    std::vector<segment_row> out;
    for (const auto& [name, points] : features_) {
        std::vector<double> edges;
        if (const feature_bins* bins = base ? base->find(name) : nullptr) {
            edges = bins->edges;
        } else {
            std::vector<double> sorted;
            sorted.reserve(points.size());
            for (const auto& p : points) {
                sorted.push_back(p.value);
            }
            std::sort(sorted.begin(), sorted.end());
            edges = equal_frequency_edges(sorted, baseline_bins);
        }
        const std::size_t bins = edges.size() - 1;
        std::vector<std::uint64_t> n(bins, 0);
        std::vector<double> sum(bins, 0.0);
        std::vector<double> squared(bins, 0.0);
        for (const auto& p : points) {
            const std::size_t i = bin_index(edges, p.value);
            ++n[i];
            sum[i] += p.score;
            squared[i] += p.score * p.score;
        }
        for (std::size_t i = 0; i < bins; ++i) {
            if (n[i] >= min_n) {
                out.push_back(row_of("feature " + name,
                                     bucket_name(edges[i], edges[i + 1], i + 1 == bins), n[i],
                                     sum[i], squared[i], kind));
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
