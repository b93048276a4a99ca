#include "shadowproxy/stats/regression.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "shadowproxy/stats/quantiles.hpp"

namespace shadowproxy::stats {

bool within_tolerance(double production, double shadow, double abs_tolerance,
                      double rel_tolerance) {
    if (production == shadow) {
        return true;
    }
    return std::fabs(shadow - production) <=
           abs_tolerance + rel_tolerance * std::max(std::fabs(production), std::fabs(shadow));
}

std::optional<double> pearson(std::span<const double> x, std::span<const double> y) {
    if (x.size() != y.size()) {
        throw std::invalid_argument("pearson: the two samples differ in size");
    }
    const std::size_t n = x.size();
    if (n < 2) {
        return std::nullopt;
    }
    // Two passes (means, then co-moments) keep the result accurate for values far from zero.
    const double mean_x = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
    const double mean_y = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(n);
    double sxx = 0.0;
    double syy = 0.0;
    double sxy = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double dx = x[i] - mean_x;
        const double dy = y[i] - mean_y;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    if (sxx == 0.0 || syy == 0.0) {
        return std::nullopt;
    }
    return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

std::vector<double> average_ranks(std::span<const double> values) {
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    std::vector<double> ranks(values.size(), 0.0);
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i + 1;
        while (j < order.size() && values[order[j]] == values[order[i]]) {
            ++j;
        }
        // Positions i..j-1 (0-based) share the mean of the 1-based ranks i+1..j.
        const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
        for (std::size_t k = i; k < j; ++k) {
            ranks[order[k]] = rank;
        }
        i = j;
    }
    return ranks;
}

std::optional<double> spearman(std::span<const double> x, std::span<const double> y) {
    if (x.size() != y.size()) {
        throw std::invalid_argument("spearman: the two samples differ in size");
    }
    const auto rx = average_ranks(x);
    const auto ry = average_ranks(y);
    return pearson(rx, ry);
}

void regression_accumulator::error_sums::add(double error) {
    ++n;
    abs_sum += std::fabs(error);
    squared_sum += error * error;
}

error_summary regression_accumulator::error_sums::summary() const {
    error_summary out;
    out.n = n;
    if (n > 0) {
        out.mae = abs_sum / static_cast<double>(n);
        out.rmse = std::sqrt(squared_sum / static_cast<double>(n));
    }
    return out;
}

regression_accumulator::regression_accumulator(double abs_tolerance, double rel_tolerance)
    : abs_tolerance_(abs_tolerance), rel_tolerance_(rel_tolerance) {}

void regression_accumulator::add(double production, double shadow) {
    production_.push_back(production);
    shadow_.push_back(shadow);
    within_ += within_tolerance(production, shadow, abs_tolerance_, rel_tolerance_) ? 1 : 0;
}

void regression_accumulator::add_label(std::optional<double> production,
                                       std::optional<double> shadow, double label) {
    if (production) {
        production_label_.add(*production - label);
    }
    if (shadow) {
        shadow_label_.add(*shadow - label);
    }
}

regression_summary regression_accumulator::summarize() const {
    regression_summary s;
    s.n = production_.size();
    s.non_numeric = non_numeric_;
    s.within = within_;
    s.within_ci95 = wilson_interval(within_, s.n);
    s.production_vs_label = production_label_.summary();
    s.shadow_vs_label = shadow_label_.summary();
    if (s.n == 0) {
        return s;
    }
    std::vector<double> residuals(s.n);
    double abs_sum = 0.0;
    double squared_sum = 0.0;
    double signed_sum = 0.0;
    double max_abs = 0.0;
    for (std::size_t i = 0; i < s.n; ++i) {
        const double r = shadow_[i] - production_[i];
        residuals[i] = r;
        abs_sum += std::fabs(r);
        squared_sum += r * r;
        signed_sum += r;
        max_abs = std::max(max_abs, std::fabs(r));
    }
    const auto count = static_cast<double>(s.n);
    s.mae = abs_sum / count;
    s.rmse = std::sqrt(squared_sum / count);
    s.bias = signed_sum / count;
    s.max_abs_error = max_abs;
    s.within_tolerance = static_cast<double>(within_) / count;
    s.pearson = pearson(production_, shadow_);
    s.spearman = spearman(production_, shadow_);
    std::sort(residuals.begin(), residuals.end());
    s.residual = {percentile_sorted(residuals, 0.50), percentile_sorted(residuals, 0.95),
                  percentile_sorted(residuals, 0.99)};
    return s;
}

}  // namespace shadowproxy::stats
