#include "shadowproxy/compare/tensor_prediction.hpp"

#include <gtest/gtest.h>

namespace shadowproxy::compare {
namespace {

using json = nlohmann::json;

std::optional<json> predict(const char* answer, config::tensor_reduce reduce,
                            const char* output = "out") {
    return tensor_prediction(json::parse(answer), {output, reduce});
}

constexpr auto argmax = config::tensor_reduce::argmax;
constexpr auto value = config::tensor_reduce::value;

TEST(TensorPrediction, ArgmaxOfAVectorOrOneRowIsOneIndex) {
    EXPECT_EQ(predict(R"({"outputs": [{"name": "out", "shape": [3], "data": [1, 5, 2]}]})", argmax),
              1);
    EXPECT_EQ(
        predict(R"({"outputs": [{"name": "out", "shape": [1, 3], "data": [7, 5, 7]}]})", argmax),
        0);
    EXPECT_EQ(predict(R"({"outputs": [{"name": "out", "data": [false, true]}]})", argmax), 1);
}

TEST(TensorPrediction, ArgmaxPerRowOfABatch) {
    EXPECT_EQ(predict(R"({"outputs": [{"name": "x", "shape": [1], "data": [9]},
                                      {"name": "out", "shape": [3, 2], "data": [1, 2, 4, 3, 0, 0]}]})",
                      argmax),
              json::parse("[1, 0, 0]"));
    // The REST form may nest the rows.
    EXPECT_EQ(
        predict(R"({"outputs": [{"name": "out", "shape": [2, 2], "data": [[1, 2], [4, 3]]}]})",
                argmax),
        json::parse("[1, 0]"));
}

TEST(TensorPrediction, ValueGivesTheDataOrItsOnlyElement) {
    EXPECT_EQ(predict(R"({"outputs": [{"name": "out", "shape": [1], "data": [0.75]}]})", value),
              0.75);
    EXPECT_EQ(predict(R"({"outputs": [{"name": "out", "shape": [2], "data": ["a", "b"]}]})", value),
              json::parse(R"(["a", "b"])"));
}

TEST(TensorPrediction, NothingWhenTheOutputCannotGiveOne) {
    EXPECT_FALSE(predict(R"({"outputs": [{"name": "other", "data": [1]}]})", argmax));
    EXPECT_FALSE(predict(R"({"outputs": [{"name": "out", "data": null}]})", value));
    EXPECT_FALSE(predict(R"({"outputs": [{"name": "out", "data": []}]})", argmax));
    EXPECT_FALSE(predict(R"({"outputs": [{"name": "out", "data": ["a"]}]})", argmax));
    EXPECT_FALSE(
        predict(R"({"outputs": [{"name": "out", "shape": [2, 2], "data": [1, 2, 3]}]})", argmax));
    EXPECT_FALSE(predict(R"({"predictions": [1]})", argmax));
    EXPECT_FALSE(predict(R"([1, 2])", argmax));
}

}  // namespace
}  // namespace shadowproxy::compare
