#include "shadowproxy/stats/quantiles.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace shadowproxy::stats {
namespace {

TEST(PercentileSorted, MatchesNumpyLinear) {
    const std::vector<double> four{1, 2, 3, 4};
    EXPECT_DOUBLE_EQ(*percentile_sorted(four, 0.5), 2.5);    // r = 1.5
    EXPECT_DOUBLE_EQ(*percentile_sorted(four, 0.95), 3.85);  // r = 2.85
    EXPECT_DOUBLE_EQ(*percentile_sorted(four, 0.99), 3.97);  // r = 2.97
    EXPECT_DOUBLE_EQ(*percentile_sorted(four, 0.0), 1.0);
    EXPECT_DOUBLE_EQ(*percentile_sorted(four, 1.0), 4.0);
    const std::vector<double> two{1, 10};
    EXPECT_DOUBLE_EQ(*percentile_sorted(two, 0.25), 3.25);
    const std::vector<double> one{7};
    EXPECT_DOUBLE_EQ(*percentile_sorted(one, 0.99), 7.0);
    EXPECT_FALSE(percentile_sorted({}, 0.5).has_value());
}

TEST(LatencySketch, ErrorBelowOnePercentOnRandomData) {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> latency(1.5, 0.8);
    std::vector<double> values;
    latency_sketch sketch;
    for (int i = 0; i < 100000; ++i) {
        values.push_back(latency(rng));
        sketch.record(values.back());
    }
    std::sort(values.begin(), values.end());
    ASSERT_EQ(sketch.count(), values.size());
    for (const double q : {0.0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0}) {
        const double exact = *percentile_sorted(values, q);
        EXPECT_LT(std::fabs(*sketch.quantile(q) - exact) / exact, 0.01) << "q = " << q;
    }
}

TEST(LatencySketch, HandlesNegativeValuesAndMerges) {
    latency_sketch low;
    latency_sketch high;
    for (int i = -50; i < 50; ++i) {
        (i < 0 ? low : high).record(static_cast<double>(i) + 0.5);
    }
    low.merge(high);
    ASSERT_EQ(low.count(), 100U);
    EXPECT_NEAR(*low.quantile(0.0), -49.5, 49.5 * 0.004);
    EXPECT_NEAR(*low.quantile(1.0), 49.5, 49.5 * 0.004);
    EXPECT_NEAR(*low.quantile(0.5), 0.0, 0.5 * 0.004 + 1e-9);  // between -0.5 and 0.5
    EXPECT_FALSE(latency_sketch{}.quantile(0.5).has_value());
}

TEST(WindowedSketch, ForgetsSecondsOutsideTheWindow) {
    windowed_sketch window(60);
    window.record(1.0, 100);
    window.record(2.0, 130);
    window.record(3.0, 159);
    EXPECT_EQ(window.snapshot(159).count(), 3U);
    EXPECT_EQ(window.snapshot(160).count(), 2U);  // second 100 left the window
    window.record(4.0, 160);                      // reuses the slot of second 100
    EXPECT_EQ(window.snapshot(161).count(), 3U);
    EXPECT_EQ(window.snapshot(300).count(), 0U);
}

TEST(LatencyStore, ExactAndSketchModesAgree) {
    latency_store exact(latency_mode::exact);
    latency_store sketch(latency_mode::sketch);
    for (int i = 1; i <= 1000; ++i) {
        exact.record(i);
        sketch.record(i);
    }
    EXPECT_DOUBLE_EQ(*exact.quantile(0.5), 500.5);
    EXPECT_DOUBLE_EQ(*exact.quantile(0.99), 990.01);
    EXPECT_NEAR(*sketch.quantile(0.99), 990.01, 990.01 * 0.004);
    EXPECT_EQ(exact.count(), 1000U);
    EXPECT_EQ(sketch.count(), 1000U);
}

}  // namespace
}  // namespace shadowproxy::stats
