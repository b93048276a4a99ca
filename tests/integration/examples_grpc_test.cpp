// The gRPC side of the example model server (model_server --grpc-port: OIP ModelInfer over h2c)
// and examples/grpc_replay through the proxy (what scripts/demo.sh --grpc runs): the server
// answers a ModelInfer call with the same class as POST /predict and grpc-status 0 in the
// trailers, refuses other methods with a gRPC status, and the replayed rows reach the records
// with their request ids and the argmax of "probabilities" as the prediction on both sides.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "open_inference.pb.h"
#include "shadowproxy/oip/grpc_message.hpp"
#include "support/free_port.hpp"
#include "support/h2_client.hpp"
#include "support/http_client.hpp"
#include "support/model_server_process.hpp"
#include "support/proxy_process.hpp"
#include "support/shell.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

const std::string examples = SHADOWPROXY_SOURCE_DIR "/examples";
const std::vector<double> row{36.2, 21.69, 0.35, 17.79, 0.803};  // req-000001

h2_request model_infer(const std::string& body,
                       const std::string& path = "/inference.GRPCInferenceService/ModelInfer") {
    h2_request request;
    request.method = "POST";
    request.path = path;
    request.headers = {{"content-type", "application/grpc"}, {"te", "trailers"}};
    request.body = body;
    return request;
}

std::string infer_body(const std::vector<double>& features) {
    inference::ModelInferRequest request;
    request.set_model_name("churn");
    auto* input = request.add_inputs();
    input->set_name("features");
    input->set_datatype("FP64");
    input->add_shape(1);
    input->add_shape(static_cast<std::int64_t>(features.size()));
    for (const double v : features) {
        input->mutable_contents()->add_fp64_contents(v);
    }
    return oip::grpc_frame(request.SerializeAsString());
}

TEST(ExamplesGrpc, ModelServerAnswersModelInferLikePredict) {
    const auto grpc_port = free_port();
    model_server_process server{examples + "/models/model-v1.json",
                                {"--grpc-port", std::to_string(grpc_port)}};
    ASSERT_TRUE(server.ready());
    const auto url = server.url();
    http_connection rest{static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1)))};
    const auto predicted = rest.send("POST", "/predict", nlohmann::json{{"features", row}}.dump());
    ASSERT_EQ(predicted.status, 200U);
    const int label = nlohmann::json::parse(predicted.body).at("prediction").get<int>();

    h2_connection client{grpc_port};
    ASSERT_TRUE(client.connected()) << client.error();
    const auto answers = client.exchange({model_infer(infer_body(row))});
    ASSERT_EQ(answers.size(), 1U);
    const auto& answer = answers.front();
    EXPECT_EQ(answer.status, 200U);
    EXPECT_EQ(answer.header("content-type"), "application/grpc");
    EXPECT_EQ(answer.trailer("grpc-status"), "0");
    const auto message = oip::unary_grpc_message(answer.body);
    ASSERT_TRUE(message.has_value());
    inference::ModelInferResponse response;
    ASSERT_TRUE(response.ParseFromArray(message->data(), static_cast<int>(message->size())));
    EXPECT_EQ(response.model_version(), "v1");
    ASSERT_EQ(response.outputs_size(), 2);
    ASSERT_EQ(response.raw_output_contents_size(), 2);
    EXPECT_EQ(response.outputs(0).name(), "probabilities");
    EXPECT_EQ(response.raw_output_contents(0).size(), 3 * sizeof(float));
    std::int64_t grpc_label = -1;
    ASSERT_EQ(response.raw_output_contents(1).size(), sizeof(grpc_label));
    std::memcpy(&grpc_label, response.raw_output_contents(1).data(), sizeof(grpc_label));
    EXPECT_EQ(grpc_label, label);
}

TEST(ExamplesGrpc, ModelServerAnswersBadCallsWithAGrpcStatus) {
    const auto grpc_port = free_port();
    model_server_process server{examples + "/models/model-v1.json",
                                {"--grpc-port", std::to_string(grpc_port)}};
    ASSERT_TRUE(server.ready());
    h2_connection client{grpc_port};
    ASSERT_TRUE(client.connected()) << client.error();
    const auto answers = client.exchange({model_infer(infer_body({1.0, 2.0})),
                                          model_infer(infer_body(row), "/pkg.Other/Call"),
                                          model_infer(oip::grpc_frame("\xff\xff"))});
    ASSERT_EQ(answers.size(), 3U);
    const std::vector<std::string> expected{"3", "12", "3"};
    for (std::size_t i = 0; i < answers.size(); ++i) {
        EXPECT_EQ(answers[i].status, 200U) << i;
        EXPECT_EQ(answers[i].header("grpc-status"), expected[i]) << i;  // trailers-only
        EXPECT_FALSE(answers[i].header("grpc-message").empty()) << i;
        EXPECT_TRUE(answers[i].body.empty()) << i;
    }
}

TEST(ExamplesGrpc, GrpcReplayThroughTheProxyRecordsEveryRow) {
    const auto v1_grpc = free_port();
    const auto v2_grpc = free_port();
    model_server_process v1{examples + "/models/model-v1.json",
                            {"--grpc-port", std::to_string(v1_grpc)}};
    model_server_process v2{examples + "/models/model-v2.json",
                            {"--grpc-port", std::to_string(v2_grpc)}};
    ASSERT_TRUE(v1.ready() && v2.ready());
    proxy_process proxy{
        "production: {name: model-v1, url: \"http://127.0.0.1:" + std::to_string(v1_grpc) +
        "\", protocol: h2c}\n" + "shadows:\n  - {name: model-v2, url: \"http://127.0.0.1:" +
        std::to_string(v2_grpc) + "\", protocol: h2c}\n" +
        "compare: {grpc: {prediction_output: probabilities, reduce: argmax}}\n"};
    ASSERT_TRUE(proxy.ready());
    constexpr std::size_t rows = 40;
    const auto replay =
        run_shell(shell_quote(GRPC_REPLAY_BINARY) + " --port " + std::to_string(proxy.port()) +
                  " --data " + shell_quote(examples + "/data/requests.jsonl") + " --limit " +
                  std::to_string(rows) + " --concurrency 4");
    EXPECT_EQ(replay.exit_code, 0) << replay.output;
    EXPECT_NE(replay.output.find("ok: 40"), std::string::npos) << replay.output;
    ASSERT_TRUE(
        wait_until([&] { return proxy.records().size() == rows; }, 20s, "every row recorded"));
    const auto record = proxy.record_of("req-000001");
    EXPECT_EQ(record["path"], "/inference.GRPCInferenceService/ModelInfer");
    for (const auto& r : proxy.records()) {
        EXPECT_EQ(r["production"]["grpc_status"], 0) << r.dump();
        EXPECT_EQ(r["shadow"]["grpc_status"], 0) << r.dump();
        EXPECT_TRUE(r["production"]["prediction"].is_number_integer()) << r.dump();
        EXPECT_TRUE(r["shadow"]["prediction"].is_number_integer()) << r.dump();
    }
}

TEST(ExamplesGrpc, GrpcReplayFailsWithoutAServer) {
    const auto replay =
        run_shell(shell_quote(GRPC_REPLAY_BINARY) + " --port " + std::to_string(free_port()) +
                  " --data " + shell_quote(examples + "/data/requests.jsonl") + " --limit 3");
    EXPECT_EQ(replay.exit_code, 1) << replay.output;
    EXPECT_NE(replay.output.find("cannot connect"), std::string::npos) << replay.output;
}

}  // namespace
}  // namespace shadowproxy::testing
