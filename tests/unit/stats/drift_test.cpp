#include "shadowproxy/stats/drift.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

namespace shadowproxy::stats {
namespace {

TEST(Psi, IdenticalSharesGiveZero) {
    const std::vector<double> shares{0.1, 0.2, 0.3, 0.4};
    EXPECT_DOUBLE_EQ(psi(shares, shares), 0.0);
}

TEST(Psi, KnownShift) {
    // (0.25 - 0.5) ln(0.5) + (0.75 - 0.5) ln(1.5)
    EXPECT_NEAR(psi(std::vector<double>{0.5, 0.5}, std::vector<double>{0.25, 0.75}),
                0.2746530721670274, 1e-9);
}

TEST(Psi, EmptyBinsAreFloored) {
    // (1 - 0.5) ln 2 + (0.0001 - 0.5) ln(0.0001 / 0.5)
    EXPECT_NEAR(psi(std::vector<double>{0.5, 0.5}, std::vector<double>{1.0, 0.0}), 4.60431846666895,
                1e-9);
}

TEST(Psi, RejectsDifferentLengths) {
    EXPECT_THROW(psi(std::vector<double>{1.0}, std::vector<double>{0.5, 0.5}),
                 std::invalid_argument);
}

TEST(Psi, Readings) {
    EXPECT_STREQ(psi_reading(0.05), "stable");
    EXPECT_STREQ(psi_reading(0.1), "moderate shift");
    EXPECT_STREQ(psi_reading(0.25), "moderate shift");
    EXPECT_STREQ(psi_reading(0.26), "major shift");
}

TEST(BinIndex, EndBinsTakeOutsideValues) {
    const std::vector<double> edges{0, 1, 2, 3};
    EXPECT_EQ(bin_index(edges, -5), 0U);
    EXPECT_EQ(bin_index(edges, 0), 0U);
    EXPECT_EQ(bin_index(edges, 0.5), 0U);
    EXPECT_EQ(bin_index(edges, 1), 1U);  // an inner edge belongs to the bin above
    EXPECT_EQ(bin_index(edges, 2.99), 2U);
    EXPECT_EQ(bin_index(edges, 3), 2U);  // the last edge closes the last bin
    EXPECT_EQ(bin_index(edges, 100), 2U);
    EXPECT_THROW(bin_index(std::vector<double>{1}, 0), std::invalid_argument);
}

TEST(EqualFrequency, DistinctValuesGiveTenEqualBins) {
    std::vector<double> values;
    for (int i = 1; i <= 10; ++i) {
        values.push_back(i);
    }
    const auto bins = make_feature_bins("x", values);
    const std::vector<double> edges{1, 1.9, 2.8, 3.7, 4.6, 5.5, 6.4, 7.3, 8.2, 9.1, 10};
    ASSERT_EQ(bins.edges.size(), edges.size());
    for (std::size_t i = 0; i < edges.size(); ++i) {
        EXPECT_NEAR(bins.edges[i], edges[i], 1e-12);
    }
    for (const double share : bins.shares) {
        EXPECT_DOUBLE_EQ(share, 0.1);
    }
}

TEST(EqualFrequency, TiesMergeBins) {
    // Fifty zeros then 1..50: the 10%..40% quantiles equal the minimum and are dropped.
    std::vector<double> values(50, 0.0);
    for (int i = 1; i <= 50; ++i) {
        values.push_back(i);
    }
    const auto bins = make_feature_bins("x", values);
    const std::vector<double> edges{0, 0.5, 10.4, 20.3, 30.2, 40.1, 50};
    ASSERT_EQ(bins.edges.size(), edges.size());
    for (std::size_t i = 0; i < edges.size(); ++i) {
        EXPECT_NEAR(bins.edges[i], edges[i], 1e-9);
    }
    const std::vector<double> shares{0.5, 0.1, 0.1, 0.1, 0.1, 0.1};
    ASSERT_EQ(bins.shares.size(), shares.size());
    for (std::size_t i = 0; i < shares.size(); ++i) {
        EXPECT_NEAR(bins.shares[i], shares[i], 1e-12);
    }
}

TEST(EqualFrequency, ConstantFeatureHasOneBin) {
    const auto bins = make_feature_bins("x", {3, 3, 3});
    ASSERT_EQ(bins.edges.size(), 2U);
    EXPECT_EQ(bins.edges[0], 3.0);
    EXPECT_GT(bins.edges[1], 3.0);
    EXPECT_EQ(bins.shares, std::vector<double>{1.0});
}

TEST(Baseline, RoundTripsThroughJson) {
    baseline original;
    original.rows = 10;
    original.features.push_back(make_feature_bins("age", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
    const auto text = baseline_to_json(original).dump();
    const auto loaded = baseline_from_json(nlohmann::json::parse(text), "mem");
    EXPECT_EQ(loaded.rows, 10U);
    ASSERT_NE(loaded.find("age"), nullptr);
    EXPECT_EQ(loaded.find("age")->edges, original.features[0].edges);
    EXPECT_EQ(loaded.find("age")->shares, original.features[0].shares);
}

TEST(Baseline, RejectsBadDocumentsWithTheFileName) {
    const auto bad = nlohmann::json::parse(
        R"({"features": {"age": {"edges": [2, 1], "shares": [1]}}, "rows": 1})");
    try {
        baseline_from_json(bad, "base.json");
        FAIL() << "expected baseline_error";
    } catch (const baseline_error& e) {
        EXPECT_NE(std::string(e.what()).find("base.json"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("age"), std::string::npos);
    }
    EXPECT_THROW(baseline_from_json(nlohmann::json::parse(R"({"rows": 1})"), "b"), baseline_error);
    EXPECT_THROW(load_baseline("/nonexistent/base.json"), baseline_error);
}

}  // namespace
}  // namespace shadowproxy::stats
