// A unary gRPC ModelInfer call mirrored to an h2c shadow: both h2c upstreams answer with a
// gRPC-framed ModelInferResponse and grpc-status trailers; the record carries grpc_status per
// side and compares the decoded tensors (FP32 raw_output_contents differing in one element by
// 1e-3: within float_abs_tolerance 1e-2 a match, with 0 a diff at that element). The client
// speaks h2c; a gRPC call over HTTP/1.1 is refused (415), since its trailers cannot be relayed.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "support/fake_h2_upstream.hpp"
#include "support/h2_client.hpp"
#include "support/http_client.hpp"
#include "support/oip_messages.hpp"
#include "support/proxy_process.hpp"

namespace shadowproxy::testing {
namespace {

using json = nlohmann::json;
constexpr const char* model_infer = "/inference.GRPCInferenceService/ModelInfer";

class UpstreamH2Grpc : public ::testing::Test {
protected:
    void start(const std::string& tolerance, int shadow_status = 0) {
        shadow_status_ = shadow_status;
        proxy_ = std::make_unique<proxy_process>(
            "production: {name: prod, url: \"" + production_.url() + "\", protocol: h2c}\n" +
            "shadows:\n  - {name: cand, url: \"" + shadow_.url() + "\", protocol: h2c}\n" +
            "compare: {float_abs_tolerance: " + tolerance +
            ", grpc: {prediction_output: probabilities}}\n"
            "features: {input: measurements, names: [sepal_length, sepal_width]}\n");
        ASSERT_TRUE(proxy_->ready());
    }

    json call() {
        h2_connection connection{proxy_->port()};
        EXPECT_TRUE(connection.connected()) << connection.error();
        h2_request request;
        request.method = "POST";
        request.path = model_infer;
        request.body = infer_request();
        request.headers = {{"content-type", "application/grpc"}};
        const auto answers = connection.exchange({request});
        EXPECT_EQ(answers.size(), 1U);
        if (answers.empty()) {
            return {};
        }
        EXPECT_EQ(answers.front().status, 200U);
        return proxy_->record_of(answers.front().header("x-request-id"));
    }

    int shadow_status_ = 0;
    fake_h2_upstream production_{[](const received_request&) { return infer_reply(false); }};
    fake_h2_upstream shadow_{
        [this](const received_request&) { return infer_reply(true, shadow_status_); }};
    std::unique_ptr<proxy_process> proxy_;
};

TEST_F(UpstreamH2Grpc, WithinToleranceTheTensorsMatch) {
    start("0.01");
    const json record = call();
    EXPECT_EQ(record["outcome"], "match") << record.dump();
    EXPECT_EQ(record["production"]["grpc_status"], 0);
    EXPECT_EQ(record["shadow"]["grpc_status"], 0);
    EXPECT_EQ(record["production"]["prediction"], 3);
    EXPECT_EQ(record["shadow"]["prediction"], 3);
    ASSERT_TRUE(record["features"].is_array()) << record.dump();
    EXPECT_FLOAT_EQ(record["features"][0].get<float>(), 5.5F);
    // gRPC servers require "te: trailers": added for a gRPC request that lost it on the way.
    const auto request = production_.requests().front();
    EXPECT_NE(std::find(request.headers.begin(), request.headers.end(),
                        std::pair<std::string, std::string>{"te", "trailers"}),
              request.headers.end());
}

TEST_F(UpstreamH2Grpc, WithoutToleranceTheDiffPointsAtTheElement) {
    start("0");
    const json record = call();
    EXPECT_EQ(record["outcome"], "prediction_match") << record.dump();
    ASSERT_FALSE(record["diffs"].empty()) << record.dump();
    EXPECT_EQ(record["diffs"][0]["pointer"], "/outputs/0/data/3");
}

TEST_F(UpstreamH2Grpc, ANonOkGrpcStatusIsRecordedAndCountsAsAnError) {
    start("0.01", 14);
    const json record = call();
    EXPECT_EQ(record["shadow"]["grpc_status"], 14) << record.dump();
    EXPECT_EQ(record["production"]["grpc_status"], 0);
    EXPECT_EQ(proxy_->metric(R"(shadowproxy_shadow_server_errors_total{shadow="cand"})"), 1.0);
}

TEST_F(UpstreamH2Grpc, AGrpcCallOverHttp1IsRefused) {
    start("0.01");
    const auto response = http_request(proxy_->port(), "POST", model_infer, infer_request(),
                                       {{"Content-Type", "application/grpc"}});
    EXPECT_EQ(response.status, 415U) << response.error;
    EXPECT_NE(response.body.find("HTTP/2"), std::string::npos) << response.body;
    EXPECT_EQ(production_.request_count(), 0U);
}

}  // namespace
}  // namespace shadowproxy::testing
