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
    return in;
}

TEST(Promotion, BoundariesPass) {
    const auto result = evaluate_promotion(config::promotion_config{}, good_inputs());
    EXPECT_TRUE(result.passed);
    ASSERT_EQ(result.criteria.size(), 4U);
    EXPECT_EQ(result.criteria[0].name, "min_requests");
    EXPECT_EQ(result.criteria[1].name, "min_agreement");
    EXPECT_EQ(result.criteria[2].name, "max_shadow_p95_ms");
    EXPECT_EQ(result.criteria[3].name, "max_shadow_error_rate");
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

TEST(Promotion, MissingValuesFail) {
    auto in = good_inputs();
    in.agreement.reset();
    const auto result = evaluate_promotion(config::promotion_config{}, in);
    EXPECT_FALSE(result.passed);
    EXPECT_FALSE(result.criteria[1].value.has_value());
    EXPECT_FALSE(result.criteria[1].passed);
}

TEST(Promotion, LabelsAndBaselineAddCriteria) {
    auto in = good_inputs();
    in.has_labels = true;
    in.production_accuracy = 0.8;
    in.shadow_accuracy = 0.8;
    in.has_baseline = true;
    in.max_feature_psi = 0.3;
    const auto result = evaluate_promotion(config::promotion_config{}, in);
    ASSERT_EQ(result.criteria.size(), 6U);
    EXPECT_EQ(result.criteria[4].name, "shadow_accuracy");
    EXPECT_TRUE(result.criteria[4].passed);  // equal accuracy is enough
    EXPECT_EQ(result.criteria[5].name, "max_feature_psi");
    EXPECT_FALSE(result.criteria[5].passed);
    EXPECT_FALSE(result.passed);
}

}  // namespace
}  // namespace shadowproxy::stats
