// Where a shadow disagrees: its disagreement rate (classification) or mean absolute error
// (regression) per segment of the traffic, by request path and by feature bucket, ranked so the
// worst segments come first.
//
// segment_table and feature_segments are owned by one thread (report's reader); not
// thread-safe. Memory: a few counters per distinct segment; feature_segments keeps every
// (value, score) pair until summarize() (bins need the whole sample). Nothing throws except
// std::bad_alloc.
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
    void add(std::string_view feature, double value, double score);
    std::vector<segment_row> rows(const baseline* base, segment_score kind,
                                  std::uint64_t min_n = segment_min_n) const;

private:
    struct point {
        double value;
        double score;
    };
    std::map<std::string, std::vector<point>, std::less<>> features_;
};

// Both tables merged: the top `top` rows by value, worst first.
std::vector<segment_row> top_segments(std::vector<segment_row> rows, std::size_t top = segment_top);

// "[a, b)" with compact numbers, the last bin closed: "[a, b]".
std::string bucket_name(double low, double high, bool last);

}  // namespace shadowproxy::stats
