// Regression statistics of a shadow against production (and of both against labels) for models
// whose prediction is a number: MAE, RMSE, max absolute error, bias, Pearson and Spearman
// correlation, residual percentiles and the share within the compare tolerances.
//
// Owned by one thread (report's reader); not thread-safe. Memory grows with the pairs (every pair
// is kept: Spearman needs ranks and the residual percentiles are exact). Pure functions of what
// was added; they do not throw except std::bad_alloc.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "shadowproxy/stats/agreement.hpp"

namespace shadowproxy::stats {

// The comparator's rule for two numbers: |s - p| <= abs + rel * max(|p|, |s|).
bool within_tolerance(double production, double shadow, double abs_tolerance, double rel_tolerance);

// Pearson correlation of paired values; nullopt with fewer than two pairs or a constant side.
// Throws std::invalid_argument when the spans differ in size.
std::optional<double> pearson(std::span<const double> x, std::span<const double> y);

// Spearman correlation: Pearson of the ranks, ties getting their average rank.
std::optional<double> spearman(std::span<const double> x, std::span<const double> y);

// Average ranks (1-based) of values, ties sharing the mean of their positions.
std::vector<double> average_ranks(std::span<const double> values);

struct error_summary {
    std::uint64_t n = 0;
    std::optional<double> mae, rmse;
};

struct residual_percentiles {
    std::optional<double> p50, p95, p99;
};

struct regression_summary {
    std::uint64_t n = 0;            // records where both predictions are numbers
    std::uint64_t non_numeric = 0;  // records with a prediction that is not a number
    std::optional<double> mae;      // mean |shadow - production|
    std::optional<double> rmse;     // sqrt(mean (shadow - production)^2)
    std::optional<double> max_abs_error;
    std::optional<double> bias;  // mean (shadow - production)
    std::optional<double> pearson, spearman;
    residual_percentiles residual;  // of shadow - production, numpy 'linear'
    std::uint64_t within = 0;       // pairs within the compare tolerances
    std::optional<double> within_tolerance;
    interval within_ci95;
    // With labels, over the records with a label and a numeric prediction on that side.
    error_summary production_vs_label, shadow_vs_label;
};

class regression_accumulator {
public:
    regression_accumulator(double abs_tolerance, double rel_tolerance);

    // Both predictions numeric.
    void add(double production, double shadow);
    // A record where a prediction is missing or not a number.
    void add_non_numeric() { ++non_numeric_; }
    // A labelled record: each side's numeric prediction (if any) against the label.
    void add_label(std::optional<double> production, std::optional<double> shadow, double label);

    regression_summary summarize() const;

private:
    struct error_sums {
        std::uint64_t n = 0;
        double abs_sum = 0.0;
        double squared_sum = 0.0;
        void add(double error);
        error_summary summary() const;
    };

    double abs_tolerance_;
    double rel_tolerance_;
    std::vector<double> production_, shadow_;
    std::uint64_t within_ = 0;
    std::uint64_t non_numeric_ = 0;
    error_sums production_label_, shadow_label_;
};

}  // namespace shadowproxy::stats
