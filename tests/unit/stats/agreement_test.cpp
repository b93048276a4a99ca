#include "shadowproxy/stats/agreement.hpp"

#include <gtest/gtest.h>

namespace shadowproxy::stats {
namespace {

TEST(WilsonInterval, MatchesHandComputedPoints) {
    // Expected values from the closed form with z = 1.959963984540054, computed independently.
    const auto half = wilson_interval(50, 100);
    EXPECT_NEAR(half.low, 0.4038315303659956, 1e-12);
    EXPECT_NEAR(half.high, 0.5961684696340044, 1e-12);
    const auto example = wilson_interval(947, 1000);
    EXPECT_NEAR(example.low, 0.9313253831625082, 1e-12);
    EXPECT_NEAR(example.high, 0.9592534947514054, 1e-12);
}

TEST(WilsonInterval, EdgesStayInsideTheUnitInterval) {
    const auto none = wilson_interval(0, 10);
    EXPECT_DOUBLE_EQ(none.low, 0.0);
    EXPECT_NEAR(none.high, 0.2775327998628892, 1e-12);
    const auto all = wilson_interval(10, 10);
    EXPECT_NEAR(all.low, 0.7224672001371107, 1e-12);
    EXPECT_LE(all.high, 1.0);
    const auto empty = wilson_interval(0, 0);
    EXPECT_DOUBLE_EQ(empty.low, 0.0);
    EXPECT_DOUBLE_EQ(empty.high, 1.0);
}

TEST(CohenKappa, PerfectAgreementIsOne) {
    EXPECT_DOUBLE_EQ(*cohen_kappa({{5, 0}, {0, 5}}), 1.0);
}

TEST(CohenKappa, ChanceLevelIsZero) {
    EXPECT_NEAR(*cohen_kappa({{25, 25}, {25, 25}}), 0.0, 1e-12);
}

TEST(CohenKappa, SystematicDisagreementIsNegative) {
    EXPECT_DOUBLE_EQ(*cohen_kappa({{0, 5}, {5, 0}}), -1.0);
}

TEST(CohenKappa, GeneralTable) {
    // p_o = 35/50 = 0.7; rows 25,25, cols 30,20: p_e = (750 + 500) / 2500 = 0.5.
    EXPECT_NEAR(*cohen_kappa({{20, 5}, {10, 15}}), 0.4, 1e-12);
}

TEST(CohenKappa, UndefinedWhenOneClassOrEmpty) {
    EXPECT_FALSE(cohen_kappa({{10, 0}, {0, 0}}).has_value());
    EXPECT_FALSE(cohen_kappa({{0, 0}, {0, 0}}).has_value());
    EXPECT_FALSE(cohen_kappa(confusion_matrix{}).has_value());
}

TEST(CohenKappa, OneSideConstantIsZeroNotUndefined) {
    // Production always says 0, the shadow varies: p_e = p_o, kappa 0.
    EXPECT_NEAR(*cohen_kappa({{6, 4}, {0, 0}}), 0.0, 1e-12);
}

TEST(CohenKappa, RejectsNonSquareMatrices) {
    EXPECT_THROW(cohen_kappa({{1, 2}, {3}}), std::invalid_argument);
}

}  // namespace
}  // namespace shadowproxy::stats
