// Where a shadow disagrees: its disagreement rate (classification) or mean absolute error
// (regression) per segment of the traffic, by request path and by feature bucket, ranked so the
// worst segments come first.
//
// segment_table and feature_segments are owned by one thread (report's reader); not
// thread-safe. Memory: a few counters per distinct segment; with a baseline, feature_segments
// counts into the baseline's bins as values come; without one it keeps a uniform sample (a
// reservoir) of at most max_points (value, score) pairs per feature, from which it draws the
// bins and counts (so n is then a sample count). Nothing throws except std::bad_alloc.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowproxy/stats/agreement.hpp"
#include "shadowproxy/stats/drift.hpp"

namespace shadowproxy::stats {

inline constexpr std::uint64_t segment_min_n = 30;
inline constexpr std::size_t segment_top = 10;

// Scores are 0/1 (disagreement) or absolute errors (regression).
enum class segment_score { rate, mean };

struct segment_row {
    std::string dimension;  // "path" or "feature NAME"
    std::string segment;    // the path, or the bucket "[low, high)"
    std::uint64_t n = 0;
    double value = 0.0;  // disagreement rate or MAE
    interval ci95;       // Wilson for rates; mean +- 1.96 standard errors for MAE
};

class segment_table {
public:
    void add(std::string_view segment, double score);
    // Segments with n >= min_n, highest value first (ties: larger n, then name).
    std::vector<segment_row> rows(const std::string& dimension, segment_score kind,
                                  std::uint64_t min_n = segment_min_n) const;

private:
    struct sums {
        std::uint64_t n = 0;
        double sum = 0.0;
        double squared = 0.0;
    };
    std::map<std::string, sums, std::less<>> segments_;
};

// Feature buckets: the baseline's bins of a feature when it has one, else ten equal-frequency
// bins of the observed values.
class feature_segments {
public:
    static constexpr std::size_t default_max_points = std::size_t{1} << 18;

    // base (may be null) must outlive this object.
    explicit feature_segments(const baseline* base = nullptr,
                              std::size_t max_points = default_max_points);
    void add(std::string_view feature, double value, double score);
    std::vector<segment_row> rows(segment_score kind, std::uint64_t min_n = segment_min_n) const;

private:
    struct point {
        float value;
        float score;
    };
    struct bin_sums {
        std::vector<std::uint64_t> n;
        std::vector<double> sum, squared;
    };
    struct feature_state {
        const feature_bins* bins = nullptr;  // the baseline's, counted online into `sums`
        bin_sums sums;
        std::vector<point> sample;  // without baseline bins
        std::uint64_t seen = 0;
    };

    const baseline* base_;
    std::size_t max_points_;
    std::uint64_t rng_ = 0x9e3779b97f4a7c15ULL;
    std::map<std::string, feature_state, std::less<>> features_;
};

// Both tables merged: the top `top` rows by value, worst first.
std::vector<segment_row> top_segments(std::vector<segment_row> rows, std::size_t top = segment_top);

// "[a, b)" with compact numbers, the last bin closed: "[a, b]".
std::string bucket_name(double low, double high, bool last);

}  // namespace shadowproxy::stats
