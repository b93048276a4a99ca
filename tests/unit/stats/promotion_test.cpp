#include "shadowproxy/stats/promotion.hpp"

#include <gtest/gtest.h>

namespace shadowproxy::stats {
namespace {

promotion_inputs good_inputs() {
    promotion_inputs in;
    in.requests = 1000;
    in.agreement = 0.99;
    in.shadow_p95_ms = 200;
    in.shadow_error_rate = 0.001;
    in.status_mismatch_rate = 0.001;
    return in;
}

TEST(Promotion, BoundariesPass) {
    const auto result = evaluate_promotion(config::promotion_config{}, good_inputs());
    EXPECT_TRUE(result.passed);
    ASSERT_EQ(result.criteria.size(), 5U);
    EXPECT_EQ(result.criteria[0].name, "min_requests");
    EXPECT_EQ(result.criteria[1].name, "min_agreement");
    EXPECT_EQ(result.criteria[2].name, "max_shadow_p95_ms");
    EXPECT_EQ(result.criteria[3].name, "max_shadow_error_rate");
    EXPECT_EQ(result.criteria[4].name, "max_status_mismatch_rate");
}

TEST(Promotion, EachCriterionCanFail) {
    auto in = good_inputs();
    in.requests = 999;
    in.shadow_p95_ms = 200.5;
    const auto result = evaluate_promotion(config::promotion_config{}, in);
    EXPECT_FALSE(result.passed);
    EXPECT_FALSE(result.criteria[0].passed);
    EXPECT_TRUE(result.criteria[1].passed);
    EXPECT_FALSE(result.criteria[2].passed);
    EXPECT_DOUBLE_EQ(*result.criteria[2].value, 200.5);
    EXPECT_DOUBLE_EQ(*result.criteria[2].threshold, 200.0);
}

TEST(Promotion, MissingValuesAreNotEvaluatedAndFail) {
    auto in = good_inputs();
    in.agreement.reset();
    auto result = evaluate_promotion(config::promotion_config{}, in);
    EXPECT_FALSE(result.passed);
    EXPECT_EQ(result.unevaluated, 1U);
    EXPECT_FALSE(result.criteria[1].value.has_value());
    EXPECT_FALSE(result.criteria[1].evaluated);
    EXPECT_EQ(result.criteria[1].reason, "no record with both predictions");
    result = evaluate_promotion(config::promotion_config{}, in, true);
    EXPECT_TRUE(result.passed);
}

TEST(Promotion, ZeroRecordsSayWhy) {
    const auto result = evaluate_promotion(config::promotion_config{}, promotion_inputs{}, true);
    EXPECT_FALSE(result.passed);  // min_requests is measured (0) and fails
    EXPECT_TRUE(result.criteria[0].evaluated);
    for (std::size_t i = 1; i < result.criteria.size(); ++i) {
        EXPECT_FALSE(result.criteria[i].evaluated) << result.criteria[i].name;
        EXPECT_EQ(result.criteria[i].reason, "no records");
    }
}

TEST(Promotion, StatusMismatchRateFails) {
    auto in = good_inputs();
    in.status_mismatch_rate = 0.5;
    const auto result = evaluate_promotion(config::promotion_config{}, in);
    EXPECT_FALSE(result.passed);
    EXPECT_FALSE(result.criteria[4].passed);
}

TEST(Promotion, ConfiguredCriteriaWithoutInputsAreNotEvaluated) {
    config::promotion_config criteria;
    criteria.max_feature_psi_set = true;
    criteria.shadow_accuracy = true;
    auto result = evaluate_promotion(criteria, good_inputs());
    ASSERT_EQ(result.criteria.size(), 7U);
    EXPECT_EQ(result.criteria[5].name, "shadow_accuracy");
    EXPECT_FALSE(result.criteria[5].evaluated);
    EXPECT_EQ(result.criteria[5].reason, "no labels (--labels FILE)");
    EXPECT_EQ(result.criteria[6].name, "max_feature_psi");
    EXPECT_FALSE(result.criteria[6].evaluated);
    EXPECT_EQ(result.unevaluated, 2U);
    EXPECT_FALSE(result.passed);
    EXPECT_TRUE(evaluate_promotion(criteria, good_inputs(), true).passed);
    // Defaults (not configured) add nothing without labels or baseline.
    EXPECT_EQ(evaluate_promotion(config::promotion_config{}, good_inputs()).criteria.size(), 5U);
}

TEST(Promotion, RegressionCriteria) {
    config::promotion_config criteria;
    criteria.max_mae = 0.05;
    criteria.min_within_tolerance = 0.9;
    criteria.use_lower_bound = true;
    auto in = good_inputs();
    in.predictions = config::prediction_type::regression;
    in.within_tolerance = 0.95;
    in.within_tolerance_low = 0.89;
    in.mae = 0.04;
    in.has_labels = true;
    in.production_label_mae = 0.10;
    in.shadow_label_mae = 0.09;
    const auto result = evaluate_promotion(criteria, in);
    ASSERT_EQ(result.criteria.size(), 7U);
    EXPECT_EQ(result.criteria[1].name, "min_within_tolerance");
    EXPECT_TRUE(result.criteria[1].lower_bound);
    EXPECT_DOUBLE_EQ(*result.criteria[1].value, 0.89);
    EXPECT_FALSE(result.criteria[1].passed);
    EXPECT_EQ(result.criteria[2].name, "max_mae");
    EXPECT_TRUE(result.criteria[2].passed);
    EXPECT_EQ(result.criteria[6].name, "shadow_mae");
    EXPECT_TRUE(result.criteria[6].passed);
    EXPECT_FALSE(result.passed);
}

TEST(Promotion, LabelsAndBaselineAddCriteria) {
    auto in = good_inputs();
    in.has_labels = true;
    in.production_accuracy = 0.8;
    in.shadow_accuracy = 0.8;
    in.has_baseline = true;
    in.max_feature_psi = 0.3;
    const auto result = evaluate_promotion(config::promotion_config{}, in);
    ASSERT_EQ(result.criteria.size(), 7U);
    EXPECT_EQ(result.criteria[5].name, "shadow_accuracy");
    EXPECT_TRUE(result.criteria[5].passed);  // equal accuracy is enough
    EXPECT_EQ(result.criteria[6].name, "max_feature_psi");
    EXPECT_FALSE(result.criteria[6].passed);
    EXPECT_FALSE(result.passed);
}

}  // namespace
}  // namespace shadowproxy::stats
