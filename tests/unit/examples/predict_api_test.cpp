#include "model_server/predict_api.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace shadowproxy::examples {
namespace {

softmax_model tiny_model() {
    return parse_model(nlohmann::json::parse(R"({
        "model_version": "v9",
        "features": ["a", "b"],
        "weights": [[1.0, 0.0], [0.0, 1.0]],
        "bias": [0.0, 0.0]
    })"));
}

TEST(ExamplePredictApi, AnswersPredictionProbabilityAndVersion) {
    const auto reply = handle_predict(tiny_model(), R"({"features":[0.0, 3.0]})");
    ASSERT_EQ(reply.status, 200U);
    const auto body = nlohmann::json::parse(reply.body);
    EXPECT_EQ(body.at("prediction"), 1);
    EXPECT_TRUE(body.at("prediction").is_number_integer());
    EXPECT_NEAR(body.at("probability").get<double>(), 1.0 / (1.0 + std::exp(-3.0)), 1e-12);
    EXPECT_EQ(body.at("model_version"), "v9");
}

TEST(ExamplePredictApi, IgnoresExtraKeys) {
    const auto reply = handle_predict(tiny_model(), R"({"id":7,"features":[1, 2]})");
    EXPECT_EQ(reply.status, 200U);
}

class ExamplePredictApiRejects : public ::testing::TestWithParam<const char*> {};

TEST_P(ExamplePredictApiRejects, WithAJsonError) {
    const auto reply = handle_predict(tiny_model(), GetParam());
    EXPECT_EQ(reply.status, 400U);
    const auto body = nlohmann::json::parse(reply.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << reply.body;
    EXPECT_TRUE(body.at("error").is_string());
}

INSTANTIATE_TEST_SUITE_P(Examples, ExamplePredictApiRejects,
                         ::testing::Values("", "not json", "[1, 2]", R"({"x":[1, 2]})",
                                           R"({"features":"1,2"})", R"({"features":[1]})",
                                           R"({"features":[1, 2, 3]})", R"({"features":[1, null]})",
                                           R"({"features":[1, "2"]})"));

}  // namespace
}  // namespace shadowproxy::examples
