#include "shadowproxy/stats/shadow_accumulator.hpp"

#include <gtest/gtest.h>

namespace shadowproxy::stats {
namespace {

observation make(outcome result, std::string_view prod, std::string_view shadow, double prod_ms,
                 double shadow_ms, bool shadow_error = false) {
    observation o;
    o.result = result;
    o.production_prediction = prod;
    o.shadow_prediction = shadow;
    o.production_latency_ms = prod_ms;
    o.shadow_latency_ms = shadow_ms;
    o.shadow_error = shadow_error;
    return o;
}

void feed(shadow_accumulator& acc) {
    auto first = make(outcome::match, "0", "0", 1, 2);
    first.label = "0";
    acc.add(first);
    acc.add(make(outcome::match, "1", "1", 2, 4));
    acc.add(make(outcome::prediction_mismatch, "1", "0", 3, 3));
    auto failed = make(outcome::shadow_error, "0", "", 4, 10, true);
    failed.label = "0";
    acc.add(failed);
    acc.add(make(outcome::prediction_mismatch, "0", "1", 5, 7));
}

TEST(ShadowAccumulator, SummaryMatchesHandComputedValues) {
    shadow_accumulator acc("v2", latency_mode::exact);
    feed(acc);
    auto s = acc.summarize();
    EXPECT_EQ(s.name, "v2");
    EXPECT_EQ(s.requests, 5U);
    EXPECT_EQ(s.outcomes[static_cast<std::size_t>(outcome::match)], 2U);
    EXPECT_EQ(s.outcomes[static_cast<std::size_t>(outcome::prediction_mismatch)], 2U);
    EXPECT_EQ(s.outcomes[static_cast<std::size_t>(outcome::shadow_error)], 1U);
    EXPECT_EQ(s.agreement_n, 4U);
    EXPECT_DOUBLE_EQ(*s.agreement_rate, 0.5);
    EXPECT_NEAR(*s.kappa, 0.0, 1e-12);
    EXPECT_EQ(s.confusion_labels, (std::vector<std::string>{"0", "1"}));
    EXPECT_EQ(s.confusion, (confusion_matrix{{1, 1}, {1, 1}}));
    ASSERT_EQ(s.production_distribution.size(), 2U);
    EXPECT_DOUBLE_EQ(s.production_distribution[0].share, 0.6);
    EXPECT_DOUBLE_EQ(s.shadow_distribution[0].share, 0.5);
    EXPECT_DOUBLE_EQ(*s.production_latency.p50, 3.0);
    EXPECT_DOUBLE_EQ(*s.production_latency.p95, 4.8);
    EXPECT_DOUBLE_EQ(*s.production_latency.p99, 4.96);
    EXPECT_DOUBLE_EQ(*s.shadow_latency.p50, 3.5);
    EXPECT_DOUBLE_EQ(*s.shadow_latency.p95, 6.55);
    EXPECT_EQ(s.shadow_latency.n, 4U);
    EXPECT_DOUBLE_EQ(*s.latency_delta.p50, 1.5);
    EXPECT_DOUBLE_EQ(*s.production_error_rate, 0.0);
    EXPECT_DOUBLE_EQ(*s.shadow_error_rate, 0.2);
    EXPECT_EQ(s.accuracy.joined, 2U);
    EXPECT_EQ(s.accuracy.unlabeled, 3U);
    EXPECT_DOUBLE_EQ(*s.accuracy.production, 1.0);
    EXPECT_DOUBLE_EQ(*s.accuracy.shadow, 0.5);
}

TEST(ShadowAccumulator, SketchModeIsClose) {
    shadow_accumulator acc("v2", latency_mode::sketch);
    feed(acc);
    const auto s = acc.summarize();
    EXPECT_NEAR(*s.production_latency.p95, 4.8, 4.8 * 0.01);
    EXPECT_NEAR(*s.latency_delta.p50, 1.5, 1.5 * 0.01);
    EXPECT_DOUBLE_EQ(*s.agreement_rate, 0.5);
}

TEST(ShadowAccumulator, TopClassesAndOverflowGoToOther) {
    shadow_accumulator acc("v2", latency_mode::exact, 3);
    for (const char* key : {"\"a\"", "\"a\"", "\"b\"", "\"c\"", "\"d\"", "\"e\""}) {
        acc.add(make(outcome::match, key, key, 1, 1));
    }
    const auto s = acc.summarize();
    EXPECT_TRUE(s.classes_truncated);
    EXPECT_EQ(s.confusion_labels, (std::vector<std::string>{"a", "b", "c", "other"}));
    EXPECT_EQ(s.confusion[3][3], 2U);
    EXPECT_DOUBLE_EQ(*s.agreement_rate, 1.0);  // agreement stays exact
    EXPECT_DOUBLE_EQ(s.production_distribution[0].share, 2.0 / 6.0);
}

TEST(ShadowAccumulator, OneClassOnlyHasUndefinedKappa) {
    shadow_accumulator acc("v2", latency_mode::exact);
    acc.add(make(outcome::match, "1", "1", 1, 1));
    acc.add(make(outcome::match, "1", "1", 1, 1));
    const auto s = acc.summarize();
    EXPECT_FALSE(s.kappa.has_value());
    EXPECT_DOUBLE_EQ(*s.agreement_rate, 1.0);
}

TEST(ShadowAccumulator, ParsesOutcomeNames) {
    EXPECT_EQ(parse_outcome("status_mismatch"), outcome::status_mismatch);
    EXPECT_FALSE(parse_outcome("nope").has_value());
}

TEST(ShadowAccumulator, ServerErrorsCountAsErrorsAndStatusMismatches) {
    shadow_accumulator acc("v2", latency_mode::exact);
    for (int i = 0; i < 4; ++i) {
        auto o = make(outcome::status_mismatch, "", "", 1, 1);
        o.shadow_server_error = i % 2 == 0;  // two 500s, two 404s
        o.status_match = false;
        acc.add(o);
    }
    acc.add(make(outcome::shadow_error, "1", "", 1, 1, true));
    for (int i = 0; i < 5; ++i) {
        acc.add(make(outcome::match, "1", "1", 1, 1));
    }
    const auto s = acc.summarize();
    EXPECT_DOUBLE_EQ(*s.shadow_error_rate, 0.3);  // 2 x 500 + 1 transport error of 10
    EXPECT_DOUBLE_EQ(*s.shadow_transport_error_rate, 0.1);
    EXPECT_EQ(s.shadow_server_errors, 2U);
    EXPECT_EQ(s.status_mismatches, 4U);
    EXPECT_DOUBLE_EQ(*s.status_mismatch_rate, 0.4);
    EXPECT_DOUBLE_EQ(*s.production_error_rate, 0.0);
}

TEST(ShadowAccumulator, ConfusionClassesInNaturalOrder) {
    shadow_accumulator acc("v2", latency_mode::exact);
    for (const char* key : {"10", "\"b\"", "2", "\"a\"", "-1"}) {
        acc.add(make(outcome::match, key, key, 1, 1));
    }
    EXPECT_EQ(acc.summarize().confusion_labels,
              (std::vector<std::string>{"-1", "2", "10", "a", "b"}));
}

TEST(ShadowAccumulator, AccuracyIntervalsMcNemarAndClasses) {
    shadow_accumulator acc("v2", latency_mode::exact);
    auto add = [&](const char* prod, const char* shadow, const char* label, int times) {
        for (int i = 0; i < times; ++i) {
            auto o = make(outcome::match, prod, shadow, 1, 1);
            o.label = label;
            acc.add(o);
        }
    };
    add("1", "1", "1", 5);  // both right
    add("0", "1", "1", 9);  // only the shadow right
    add("1", "0", "1", 1);  // only production right
    add("0", "0", "1", 1);  // both wrong
    const auto s = acc.summarize();
    EXPECT_EQ(s.accuracy.joined, 16U);
    EXPECT_NEAR(*s.accuracy.mcnemar_p, 22.0 / 1024.0, 1e-12);
    const auto ci = wilson_interval(14, 16);
    EXPECT_DOUBLE_EQ(s.accuracy.shadow_ci95.low, ci.low);
    ASSERT_EQ(s.accuracy.shadow_classes.size(), 2U);
    EXPECT_EQ(s.accuracy.shadow_classes[1].key, "1");
    EXPECT_NEAR(*s.accuracy.shadow_classes[1].recall, 14.0 / 16.0, 1e-12);
    EXPECT_NEAR(*s.accuracy.shadow_classes[1].precision, 1.0, 1e-12);
}

}  // namespace
}  // namespace shadowproxy::stats
