#include "shadowproxy/stats/regression.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace shadowproxy::stats {
namespace {

TEST(Regression, HandComputedPairs) {
    regression_accumulator acc(0.2, 0.0);
    acc.add(1.0, 1.1);
    acc.add(2.0, 1.9);
    acc.add(3.0, 3.5);
    acc.add(4.0, 4.0);
    acc.add_non_numeric();
    const auto s = acc.summarize();
    EXPECT_EQ(s.n, 4U);
    EXPECT_EQ(s.non_numeric, 1U);
    EXPECT_NEAR(*s.mae, 0.175, 1e-12);
    EXPECT_NEAR(*s.rmse, std::sqrt(0.0675), 1e-12);
    EXPECT_NEAR(*s.bias, 0.125, 1e-12);
    EXPECT_NEAR(*s.max_abs_error, 0.5, 1e-12);
    EXPECT_NEAR(*s.pearson, 5.15 / std::sqrt(5.0 * 5.5075), 1e-12);
    EXPECT_NEAR(*s.spearman, 1.0, 1e-12);
    EXPECT_EQ(s.within, 3U);
    EXPECT_NEAR(*s.within_tolerance, 0.75, 1e-12);
    // Residuals sorted: -0.1, 0, 0.1, 0.5; p50 = 0.05, p95 at rank 2.85.
    EXPECT_NEAR(*s.residual.p50, 0.05, 1e-12);
    EXPECT_NEAR(*s.residual.p95, 0.1 + 0.85 * 0.4, 1e-12);
    const auto ci = wilson_interval(3, 4);
    EXPECT_DOUBLE_EQ(s.within_ci95.low, ci.low);
}

TEST(Regression, EmptyHasNoValues) {
    const auto s = regression_accumulator(0.0, 0.0).summarize();
    EXPECT_EQ(s.n, 0U);
    EXPECT_FALSE(s.mae);
    EXPECT_FALSE(s.pearson);
    EXPECT_FALSE(s.within_tolerance);
}

TEST(Regression, LabelsGiveEachSideItsError) {
    regression_accumulator acc(0.0, 0.0);
    acc.add_label(1.0, 2.0, 1.5);
    acc.add_label(std::nullopt, 3.0, 1.0);
    const auto s = acc.summarize();
    EXPECT_EQ(s.production_vs_label.n, 1U);
    EXPECT_NEAR(*s.production_vs_label.mae, 0.5, 1e-12);
    EXPECT_EQ(s.shadow_vs_label.n, 2U);
    EXPECT_NEAR(*s.shadow_vs_label.mae, 1.25, 1e-12);
    EXPECT_NEAR(*s.shadow_vs_label.rmse, std::sqrt((0.25 + 4.0) / 2.0), 1e-12);
}

TEST(Regression, AverageRanksShareTies) {
    const std::vector<double> values{3.0, 1.0, 2.0, 2.0};
    EXPECT_EQ(average_ranks(values), (std::vector<double>{4.0, 1.0, 2.5, 2.5}));
}

TEST(Regression, SpearmanIsRankPearson) {
    const std::vector<double> x{1.0, 2.0, 3.0, 4.0, 5.0};
    const std::vector<double> y{1.0, 4.0, 9.0, 16.0, 25.0};
    EXPECT_NEAR(*spearman(x, y), 1.0, 1e-12);
    const std::vector<double> z{5.0, 4.0, 3.0, 2.0, 1.0};
    EXPECT_NEAR(*spearman(x, z), -1.0, 1e-12);
    EXPECT_FALSE(pearson(x, std::vector<double>(5, 1.0)));
}

TEST(Regression, ToleranceFollowsTheComparator) {
    // Binary fractions, so the boundary is exact.
    EXPECT_TRUE(within_tolerance(1.0, 1.25, 0.25, 0.0));
    EXPECT_FALSE(within_tolerance(1.0, 1.5, 0.25, 0.0));
    EXPECT_TRUE(within_tolerance(128.0, 130.0, 0.0, 0.015625));  // 1/64 of 130 > 2
    EXPECT_FALSE(within_tolerance(128.0, 132.0, 0.0, 0.015625));
}

}  // namespace
}  // namespace shadowproxy::stats
