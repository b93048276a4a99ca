#include "model_server/model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

namespace shadowproxy::examples {
namespace {

nlohmann::json two_feature_model() {
    return nlohmann::json::parse(R"({
        "model_version": "t1",
        "features": ["a", "b"],
        "weights": [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]],
        "bias": [0.0, 0.0, 0.5]
    })");
}

TEST(ExampleModel, ParsesEveryField) {
    const auto model = parse_model(two_feature_model());
    EXPECT_EQ(model.version, "t1");
    EXPECT_EQ(model.feature_names, (std::vector<std::string>{"a", "b"}));
    ASSERT_EQ(model.weights.size(), 3U);
    EXPECT_EQ(model.bias, (std::vector<double>{0.0, 0.0, 0.5}));
}

TEST(ExampleModel, PredictsTheArgmaxOfTheSoftmax) {
    const auto model = parse_model(two_feature_model());
    const std::vector<double> x{2.0, 1.0};  // logits 2, 1, -2.5
    const auto result = predict(model, x);
    EXPECT_EQ(result.label, 0);
    const double expected = 1.0 / (1.0 + std::exp(-1.0) + std::exp(-4.5));
    EXPECT_NEAR(result.probability, expected, 1e-12);
}

TEST(ExampleModel, ClassProbabilitiesSumToOneAndAgreeWithPredict) {
    const auto model = parse_model(two_feature_model());
    const std::vector<double> x{2.0, 1.0};
    const auto p = class_probabilities(model, x);
    ASSERT_EQ(p.size(), 3U);
    EXPECT_NEAR(p[0] + p[1] + p[2], 1.0, 1e-12);
    EXPECT_NEAR(p[0], predict(model, x).probability, 1e-12);
    EXPECT_NEAR(p[2], last_class_probability(model, x), 1e-12);
    EXPECT_NEAR(p[1] / p[0], std::exp(-1.0), 1e-12);
}

TEST(ExampleModel, ProbabilitiesStayFiniteForHugeLogits) {
    const auto model = parse_model(two_feature_model());
    const std::vector<double> x{1e6, 1e6 - 1.0};
    const auto result = predict(model, x);
    EXPECT_EQ(result.label, 0);
    EXPECT_TRUE(std::isfinite(result.probability));
    EXPECT_NEAR(result.probability, 1.0 / (1.0 + std::exp(-1.0)), 1e-9);
}

TEST(ExampleModel, TiesGoToTheFirstClass) {
    const auto model = parse_model(two_feature_model());
    const std::vector<double> x{1.0, 1.0};
    EXPECT_EQ(predict(model, x).label, 0);
}

struct broken_case {
    const char* name;
    const char* pointer;  // JSON pointer of the field to replace
    nlohmann::json value;
};

// Names the case in test listings (gtest would otherwise print the raw bytes).
void PrintTo(const broken_case& c, std::ostream* out) {
    *out << c.name;
}

class ExampleModelRejects : public ::testing::TestWithParam<broken_case> {};

TEST_P(ExampleModelRejects, BrokenWeightsFiles) {
    auto document = two_feature_model();
    document[nlohmann::json::json_pointer(GetParam().pointer)] = GetParam().value;
    EXPECT_THROW(parse_model(document), model_error);
}

INSTANTIATE_TEST_SUITE_P(
    Examples, ExampleModelRejects,
    ::testing::Values(broken_case{"VersionNotString", "/model_version", 3},
                      broken_case{"NoFeatures", "/features", nlohmann::json::array()},
                      broken_case{"FeatureNotString", "/features/0", 1},
                      broken_case{"ShortRow", "/weights/1", {1.0}},
                      broken_case{"NonNumericWeight", "/weights/0/1", "x"},
                      broken_case{"OneClass", "/weights", {{1.0, 2.0}}},
                      broken_case{"BiasLength", "/bias", {0.0, 0.0}}),
    [](const ::testing::TestParamInfo<broken_case>& test) { return std::string(test.param.name); });

TEST(ExampleModel, MissingKeyIsNamed) {
    auto document = two_feature_model();
    document.erase("bias");
    try {
        parse_model(document);
        FAIL() << "expected model_error";
    } catch (const model_error& e) {
        EXPECT_NE(std::string(e.what()).find("bias"), std::string::npos);
    }
}

TEST(ExampleModel, LoadNamesTheFile) {
    EXPECT_THROW(load_model("/nonexistent/model.json"), model_error);
    const std::string path = ::testing::TempDir() + "example_model_garbage.json";
    std::ofstream(path) << "{not json";
    try {
        load_model(path);
        FAIL() << "expected model_error";
    } catch (const model_error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
    }
}

TEST(ExampleModel, ShippedModelsLoadAndDiffer) {
    const auto v1 = load_model(SHADOWPROXY_EXAMPLES_DIR "/models/model-v1.json");
    const auto v2 = load_model(SHADOWPROXY_EXAMPLES_DIR "/models/model-v2.json");
    EXPECT_EQ(v1.version, "v1");
    EXPECT_EQ(v2.version, "v2");
    EXPECT_EQ(v1.feature_names.size(), 5U);
    EXPECT_EQ(v1.weights.size(), 3U);
    EXPECT_NE(v1.weights, v2.weights);
}

}  // namespace
}  // namespace shadowproxy::examples
