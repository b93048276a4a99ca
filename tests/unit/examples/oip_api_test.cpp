// The example model server's ModelInfer contract (examples/model_server/oip_api.hpp): features by
// position or by name, FP32/FP64 typed or raw, batches, the two outputs in raw contents, and a
// gRPC status with a message for every kind of bad call.
#include "model_server/oip_api.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "open_inference.pb.h"

namespace shadowproxy::examples {
namespace {

using request_type = inference::ModelInferRequest;

softmax_model tiny_model() {
    return parse_model(nlohmann::json::parse(R"({
        "model_version": "v9",
        "features": ["a", "b"],
        "weights": [[1.0, 0.0], [0.0, 1.0]],
        "bias": [0.0, 0.0]
    })"));
}

std::string framed(const request_type& request) {
    const std::string message = request.SerializeAsString();
    std::string out(5, '\0');
    for (int i = 0; i < 4; ++i) {
        out[1 + i] = static_cast<char>((message.size() >> (8 * (3 - i))) & 0xFFU);
    }
    return out + message;
}

inference::ModelInferResponse unframed(const std::string& body) {
    inference::ModelInferResponse response;
    EXPECT_GE(body.size(), 5U);
    EXPECT_TRUE(response.ParseFromString(body.substr(5)));
    return response;
}

template <typename Number>
std::vector<Number> raw_values(const std::string& raw) {
    std::vector<Number> out(raw.size() / sizeof(Number));
    std::memcpy(out.data(), raw.data(), out.size() * sizeof(Number));
    return out;
}

request_type positional(std::vector<double> values, std::vector<std::int64_t> shape) {
    request_type request;
    request.set_model_name("tiny");
    request.set_id("req-7");
    auto* input = request.add_inputs();
    input->set_name("features");
    input->set_datatype("FP64");
    for (const auto d : shape) {
        input->add_shape(d);
    }
    for (const double v : values) {
        input->mutable_contents()->add_fp64_contents(v);
    }
    return request;
}

TEST(ExampleOipApi, AnswersProbabilitiesAndClassForOneRow) {
    const auto reply = handle_model_infer(tiny_model(), framed(positional({0.0, 3.0}, {1, 2})));
    ASSERT_EQ(reply.status, grpc_ok) << reply.message;
    const auto response = unframed(reply.body);
    EXPECT_EQ(response.model_name(), "tiny");
    EXPECT_EQ(response.model_version(), "v9");
    EXPECT_EQ(response.id(), "req-7");
    ASSERT_EQ(response.outputs_size(), 2);
    ASSERT_EQ(response.raw_output_contents_size(), 2);
    EXPECT_EQ(response.outputs(0).name(), "probabilities");
    EXPECT_EQ(response.outputs(0).datatype(), "FP32");
    EXPECT_EQ(std::vector<std::int64_t>(response.outputs(0).shape().begin(),
                                        response.outputs(0).shape().end()),
              (std::vector<std::int64_t>{1, 2}));
    const auto p = raw_values<float>(response.raw_output_contents(0));
    ASSERT_EQ(p.size(), 2U);
    EXPECT_NEAR(p[1], 1.0 / (1.0 + std::exp(-3.0)), 1e-6);
    EXPECT_EQ(response.outputs(1).name(), "predicted_class");
    EXPECT_EQ(response.outputs(1).datatype(), "INT64");
    EXPECT_EQ(raw_values<std::int64_t>(response.raw_output_contents(1)),
              (std::vector<std::int64_t>{1}));
}

TEST(ExampleOipApi, AnswersABatchFromRawFp32) {
    request_type request;
    auto* input = request.add_inputs();
    input->set_name("x");
    input->set_datatype("FP32");
    input->add_shape(2);
    input->add_shape(2);
    const std::vector<float> values{5.0F, 1.0F, 0.0F, 2.0F};
    request.add_raw_input_contents(
        std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
    const auto reply = handle_model_infer(tiny_model(), framed(request));
    ASSERT_EQ(reply.status, grpc_ok) << reply.message;
    const auto response = unframed(reply.body);
    EXPECT_EQ(raw_values<float>(response.raw_output_contents(0)).size(), 4U);
    EXPECT_EQ(raw_values<std::int64_t>(response.raw_output_contents(1)),
              (std::vector<std::int64_t>{0, 1}));
}

TEST(ExampleOipApi, ReadsFeaturesByName) {
    request_type request;
    for (const auto& [name, value] : {std::pair{"b", 4.0}, std::pair{"a", 1.0}}) {
        auto* input = request.add_inputs();
        input->set_name(name);
        input->set_datatype("FP64");
        input->add_shape(1);
        input->mutable_contents()->add_fp64_contents(value);
    }
    const auto reply = handle_model_infer(tiny_model(), framed(request));
    ASSERT_EQ(reply.status, grpc_ok) << reply.message;
    EXPECT_EQ(raw_values<std::int64_t>(unframed(reply.body).raw_output_contents(1)),
              (std::vector<std::int64_t>{1}));
}

TEST(ExampleOipApi, AnswersOnlyTheRequestedOutputs) {
    auto request = positional({2.0, 1.0}, {2});
    request.add_outputs()->set_name("predicted_class");
    const auto reply = handle_model_infer(tiny_model(), framed(request));
    ASSERT_EQ(reply.status, grpc_ok) << reply.message;
    const auto response = unframed(reply.body);
    ASSERT_EQ(response.outputs_size(), 1);
    EXPECT_EQ(response.outputs(0).name(), "predicted_class");
}

TEST(ExampleOipApi, RejectsBadCallsWithAStatus) {
    const auto model = tiny_model();
    EXPECT_EQ(handle_model_infer(model, "").status, grpc_invalid_argument);
    EXPECT_EQ(handle_model_infer(model, std::string("\x01\0\0\0\0", 5)).status, grpc_unimplemented);
    EXPECT_EQ(handle_model_infer(model, std::string("\0\0\0\0\x09xx", 7)).status,
              grpc_invalid_argument);
    EXPECT_EQ(handle_model_infer(model, framed(positional({1.0, 2.0, 3.0}, {3}))).status,
              grpc_invalid_argument);
    EXPECT_EQ(handle_model_infer(model, framed(positional({1.0}, {1, 2}))).status,
              grpc_invalid_argument);
    EXPECT_EQ(handle_model_infer(model, framed(positional({1.0, NAN}, {1, 2}))).status,
              grpc_invalid_argument);
    auto wrong_type = positional({1.0, 2.0}, {1, 2});
    wrong_type.mutable_inputs(0)->set_datatype("INT8");
    EXPECT_EQ(handle_model_infer(model, framed(wrong_type)).status, grpc_invalid_argument);
    auto unknown_output = positional({1.0, 2.0}, {1, 2});
    unknown_output.add_outputs()->set_name("logits");
    const auto reply = handle_model_infer(model, framed(unknown_output));
    EXPECT_EQ(reply.status, grpc_invalid_argument);
    EXPECT_NE(reply.message.find("logits"), std::string::npos);
    request_type no_inputs;
    EXPECT_EQ(handle_model_infer(model, framed(no_inputs)).status, grpc_invalid_argument);
}

}  // namespace
}  // namespace shadowproxy::examples
