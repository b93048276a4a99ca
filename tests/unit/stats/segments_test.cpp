#include "shadowproxy/stats/segments.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace shadowproxy::stats {
namespace {

TEST(Segments, PlantedPathComesFirst) {
    segment_table paths;
    // /bad: wrong 40% of the time; three others 2%; /rare is wrong always but too small.
    for (int i = 0; i < 200; ++i) {
        paths.add("/bad", i % 5 < 2 ? 1.0 : 0.0);
    }
    for (const char* path : {"/a", "/b", "/c"}) {
        for (int i = 0; i < 500; ++i) {
            paths.add(path, i % 50 == 0 ? 1.0 : 0.0);
        }
    }
    for (int i = 0; i < 29; ++i) {
        paths.add("/rare", 1.0);
    }
    const auto rows = paths.rows("path", segment_score::rate);
    ASSERT_EQ(rows.size(), 4U);
    EXPECT_EQ(rows[0].segment, "/bad");
    EXPECT_EQ(rows[0].n, 200U);
    EXPECT_NEAR(rows[0].value, 0.4, 1e-12);
    const auto ci = wilson_interval(80, 200);
    EXPECT_DOUBLE_EQ(rows[0].ci95.low, ci.low);
    EXPECT_DOUBLE_EQ(rows[0].ci95.high, ci.high);
    EXPECT_NEAR(rows[1].value, 0.02, 1e-12);
}

TEST(Segments, MeanScoresGetANormalInterval) {
    segment_table paths;
    for (int i = 0; i < 40; ++i) {
        paths.add("/p", i % 2 == 0 ? 1.0 : 3.0);
    }
    const auto rows = paths.rows("path", segment_score::mean);
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_NEAR(rows[0].value, 2.0, 1e-12);
    // Sample standard deviation sqrt(40/39).
    const double half = z_95 * std::sqrt(40.0 / 39.0 / 40.0);
    EXPECT_NEAR(rows[0].ci95.low, 2.0 - half, 1e-12);
    EXPECT_NEAR(rows[0].ci95.high, 2.0 + half, 1e-12);
}

TEST(Segments, FeatureBucketsFromObservedValuesOrTheBaseline) {
    // x in 0..999: the top decile (x >= 900) disagrees half the time, the rest never.
    auto feed = [](feature_segments& features) {
        for (int i = 0; i < 1000; ++i) {
            features.add("x", i, i >= 900 && i % 2 == 0 ? 1.0 : 0.0);
        }
    };
    feature_segments features;
    feed(features);
    auto rows = features.rows(segment_score::rate);
    ASSERT_EQ(rows.size(), 10U);
    EXPECT_EQ(rows[0].dimension, "feature x");
    EXPECT_EQ(rows[0].segment, "[899.1, 999]");
    EXPECT_NEAR(rows[0].value, 0.5, 1e-12);

    baseline base;
    base.features.push_back({"x", {0.0, 500.0, 1000.0}, {0.5, 0.5}});
    feature_segments binned(&base);
    feed(binned);
    rows = binned.rows(segment_score::rate);
    ASSERT_EQ(rows.size(), 2U);
    EXPECT_EQ(rows[0].segment, "[500, 1000]");
    EXPECT_NEAR(rows[0].value, 0.1, 1e-12);
}

TEST(Segments, LargeFeatureSamplesStayBounded) {
    feature_segments features(nullptr, 1000);
    // 100,000 values; the top tenth always disagrees: the sample keeps 1000 and still finds it.
    for (int i = 0; i < 100000; ++i) {
        features.add("x", i, i >= 90000 ? 1.0 : 0.0);
    }
    const auto rows = features.rows(segment_score::rate);
    ASSERT_FALSE(rows.empty());
    EXPECT_NEAR(rows[0].value, 1.0, 0.1);
    std::uint64_t total = 0;
    for (const auto& r : rows) {
        total += r.n;
    }
    EXPECT_LE(total, 1000U);
}

TEST(Segments, TopKeepsTheWorstTen) {
    std::vector<segment_row> rows;
    for (int i = 0; i < 15; ++i) {
        rows.push_back({"path", "/" + std::to_string(i), 30, i / 100.0, {}});
    }
    const auto top = top_segments(rows);
    ASSERT_EQ(top.size(), 10U);
    EXPECT_EQ(top[0].segment, "/14");
    EXPECT_EQ(top[9].segment, "/5");
}

}  // namespace
}  // namespace shadowproxy::stats
