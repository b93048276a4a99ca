// The JSON views of ModelInfer messages, the gRPC framing around them, and the comparison of
// two gRPC answers through the comparator (compare.grpc).
#include "shadowproxy/oip/tensor_view.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "open_inference.pb.h"
#include "shadowproxy/compare/comparator.hpp"
#include "shadowproxy/mirror/features.hpp"
#include "shadowproxy/oip/grpc_message.hpp"

namespace shadowproxy::oip {
namespace {

using json = nlohmann::json;

std::string fp32_bytes(const std::vector<float>& values) {
    std::string out(values.size() * sizeof(float), '\0');
    std::memcpy(out.data(), values.data(), out.size());
    return out;
}

// A classifier's answer: one FP32 output "probabilities" of shape [rows, classes], raw.
std::string classifier_answer(const std::vector<float>& probabilities, std::int64_t rows) {
    inference::ModelInferResponse response;
    response.set_model_name("iris");
    response.set_model_version("2");
    response.set_id("req-1");
    auto* output = response.add_outputs();
    output->set_name("probabilities");
    output->set_datatype("FP32");
    output->add_shape(rows);
    output->add_shape(static_cast<std::int64_t>(probabilities.size()) / rows);
    response.add_raw_output_contents(fp32_bytes(probabilities));
    return grpc_frame(response.SerializeAsString());
}

TEST(GrpcMessage, ReadsExactlyOneUncompressedMessage) {
    const std::string body = grpc_frame("hello");
    EXPECT_EQ(body.size(), 10U);
    EXPECT_EQ(unary_grpc_message(body), "hello");
    EXPECT_EQ(unary_grpc_message(grpc_frame("")), "");
    EXPECT_FALSE(unary_grpc_message(body.substr(0, 9)));                   // cut short
    EXPECT_FALSE(unary_grpc_message(body + grpc_frame("x")));              // two messages
    EXPECT_FALSE(unary_grpc_message(std::string("\1") + body.substr(1)));  // compressed
    EXPECT_FALSE(unary_grpc_message("{}"));
}

TEST(TensorView, AnswerWithTypedAndRawContents) {
    inference::ModelInferResponse response;
    response.set_model_name("m");
    response.set_id("7");
    auto* labels = response.add_outputs();
    labels->set_name("labels");
    labels->set_datatype("BYTES");
    labels->add_shape(2);
    labels->mutable_contents()->add_bytes_contents("cat");
    labels->mutable_contents()->add_bytes_contents("dog");
    auto* scores = response.add_outputs();
    scores->set_name("scores");
    scores->set_datatype("INT64");
    scores->add_shape(1);
    scores->add_shape(2);
    scores->mutable_contents()->add_int64_contents(-4);
    scores->mutable_contents()->add_int64_contents(9);
    const auto view = infer_response_view(response.SerializeAsString());
    ASSERT_TRUE(view);
    EXPECT_EQ(*view, json::parse(R"({"model_name": "m", "id": "7", "outputs": [
        {"name": "labels", "datatype": "BYTES", "shape": [2], "data": ["cat", "dog"]},
        {"name": "scores", "datatype": "INT64", "shape": [1, 2], "data": [-4, 9]}]})"));
}

TEST(TensorView, RawContentsThatDoNotFitTheShapeLeaveTheOtherTensorsReadable) {
    inference::ModelInferResponse response;
    for (const char* name : {"good", "bad", "missing"}) {
        auto* output = response.add_outputs();
        output->set_name(name);
        output->set_datatype("FP32");
        output->add_shape(2);
    }
    response.add_raw_output_contents(fp32_bytes({1, 2}));
    response.add_raw_output_contents(fp32_bytes({1}));
    const auto view = infer_response_view(response.SerializeAsString());
    ASSERT_TRUE(view);
    EXPECT_EQ((*view)["outputs"][0]["data"], json::parse("[1.0, 2.0]"));
    EXPECT_TRUE((*view)["outputs"][1]["data"].is_null());
    EXPECT_EQ((*view)["outputs"][1]["error"], "raw contents hold 4 bytes; 2 FP32 elements need 8");
    EXPECT_EQ((*view)["outputs"][2]["error"],
              "no raw contents for this tensor (2 given for 3 tensors)");
}

TEST(TensorView, GarbageIsNotAMessage) {
    EXPECT_FALSE(infer_response_view("\xff\xff\xff\xff"));
    EXPECT_FALSE(
        infer_request_view("\x0a\x05"
                           "ab"));  // a string field cut short
}

TEST(TensorView, RequestInputsFeedTheFeatureMonitorByName) {
    inference::ModelInferRequest request;
    request.set_model_name("iris");
    auto* other = request.add_inputs();
    other->set_name("mask");
    other->set_datatype("BOOL");
    other->add_shape(1);
    other->mutable_contents()->add_bool_contents(true);
    auto* input = request.add_inputs();
    input->set_name("features");
    input->set_datatype("FP32");
    input->add_shape(1);
    input->add_shape(4);
    for (const float value : {5.1F, 3.5F, 1.25F, 0.25F}) {
        input->mutable_contents()->add_fp32_contents(value);
    }
    config::features_config settings;
    settings.input = "features";
    const auto grpc = mirror::extract_features(grpc_frame(request.SerializeAsString()), settings,
                                               compare::body_kind::grpc_model_infer);
    ASSERT_EQ(grpc.value.size(), 4U);
    EXPECT_FLOAT_EQ(grpc.value[0].get<float>(), 5.1F);
    EXPECT_EQ(grpc.value[3], 0.25);
    // The REST form of the same request.
    const auto rest = mirror::extract_features(
        R"({"inputs": [{"name": "features", "datatype": "FP32", "shape": [1, 4],
                        "data": [5.1, 3.5, 1.25, 0.25]}]})",
        settings);
    EXPECT_EQ(rest.value, json::parse("[5.1, 3.5, 1.25, 0.25]"));
    settings.input = "absent";
    EXPECT_TRUE(mirror::extract_features(grpc_frame(request.SerializeAsString()), settings,
                                         compare::body_kind::grpc_model_infer)
                    .value.is_null());
}

compare::comparison compare_answers(const std::string& production, const std::string& shadow,
                                    double abs_tolerance) {
    config::compare_config settings;
    settings.float_abs_tolerance = abs_tolerance;
    settings.grpc.prediction_output = "probabilities";
    compare::side_response production_side{std::nullopt, 200, production, 1.0};
    compare::side_response shadow_side{std::nullopt, 200, shadow, 1.0};
    production_side.kind = compare::body_kind::grpc_model_infer;
    shadow_side.kind = compare::body_kind::grpc_model_infer;
    return compare::comparator(settings).compare(production_side, shadow_side);
}

TEST(TensorComparison, OneElementOffBy1e3MatchesWithinTolerance) {
    const std::string production = classifier_answer({0.1F, 0.2F, 0.3F, 0.4F}, 1);
    const std::string shadow = classifier_answer({0.1F, 0.2F, 0.3F, 0.401F}, 1);
    const auto within = compare_answers(production, shadow, 1e-2);
    EXPECT_EQ(within.result, compare::outcome::match);
    EXPECT_EQ(within.production_prediction, 3);
    EXPECT_EQ(within.shadow_prediction, 3);
}

TEST(TensorComparison, WithoutToleranceTheArgmaxDecidesAndTheDiffPointsAtTheElement) {
    const std::string production = classifier_answer({0.1F, 0.2F, 0.3F, 0.4F}, 1);
    const auto same_class =
        compare_answers(production, classifier_answer({0.1F, 0.2F, 0.3F, 0.401F}, 1), 0);
    EXPECT_EQ(same_class.result, compare::outcome::prediction_match);
    ASSERT_EQ(same_class.diffs.size(), 1U);
    EXPECT_EQ(same_class.diffs[0].pointer, "/outputs/0/data/3");
    EXPECT_FLOAT_EQ(same_class.diffs[0].production.get<float>(), 0.4F);
    EXPECT_FLOAT_EQ(same_class.diffs[0].shadow.get<float>(), 0.401F);

    // The fourth class passes the third in production only: the argmaxes differ.
    const auto flipped = compare_answers(classifier_answer({0.1F, 0.2F, 0.3F, 0.301F}, 1),
                                         classifier_answer({0.1F, 0.2F, 0.3F, 0.299F}, 1), 0);
    EXPECT_EQ(flipped.result, compare::outcome::prediction_mismatch);
    EXPECT_EQ(flipped.production_prediction, 3);
    EXPECT_EQ(flipped.shadow_prediction, 2);
    EXPECT_EQ(flipped.diffs[0].pointer, "/outputs/0/data/3");
}

TEST(TensorComparison, BatchesGiveOneClassPerRow) {
    const auto batch = compare_answers(classifier_answer({0.9F, 0.1F, 0.2F, 0.8F}, 2),
                                       classifier_answer({0.9F, 0.1F, 0.7F, 0.3F}, 2), 0);
    EXPECT_EQ(batch.production_prediction, json::parse("[0, 1]"));
    EXPECT_EQ(batch.shadow_prediction, json::parse("[0, 0]"));
    EXPECT_EQ(batch.result, compare::outcome::prediction_mismatch);
}

TEST(TensorComparison, AnAnswerThatIsNotAModelInferMessageIsComparedByteForByte) {
    const auto result = compare_answers("not grpc", "not grpc either", 0);
    EXPECT_EQ(result.result, compare::outcome::prediction_mismatch);
    EXPECT_FALSE(result.body_match);
    EXPECT_TRUE(result.production_prediction.is_null());
}

}  // namespace
}  // namespace shadowproxy::oip
