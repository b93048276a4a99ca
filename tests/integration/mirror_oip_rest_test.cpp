// The REST form of the Open Inference Protocol through the real binary: with
// compare.grpc.prediction_output the record's predictions are the argmax of that output tensor,
// tolerances apply to tensor elements, diffs point at them, and features come from an input.
#include <gtest/gtest.h>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"

namespace shadowproxy::testing {

namespace {

using nlohmann::json;

std::string infer_answer(const std::string& probabilities) {
    return R"({"model_name": "iris", "id": "1", "outputs": [{"name": "probabilities",)"
           R"( "datatype": "FP32", "shape": [1, 4], "data": )" +
           probabilities + "}]}";
}

// The shadow's answer differs from production's in the fourth element, by 1e-3 on /close and
// enough to change the argmax on /flip.
reply answer_for(const std::string& target, bool is_shadow) {
    reply r;
    if (target.ends_with("/close")) {
        r.body = infer_answer(is_shadow ? "[0.1, 0.2, 0.3, 0.401]" : "[0.1, 0.2, 0.3, 0.4]");
    } else {
        r.body = infer_answer(is_shadow ? "[0.1, 0.2, 0.35, 0.3]" : "[0.1, 0.2, 0.3, 0.4]");
    }
    return r;
}

class MirrorOipRest : public ::testing::Test {
protected:
    void start(const std::string& tolerance) {
        proxy_ = std::make_unique<proxy_process>(
            "production: {name: prod, url: \"" + production_.url() + "\"}\nshadows:\n" +
            "  - {name: s, url: \"" + shadow_.url() + "\"}\n" +
            "compare: {float_abs_tolerance: " + tolerance +
            ", grpc: {prediction_output: probabilities}}\n"
            "features: {input: measurements, names: [sepal_length, sepal_width]}\n");
        ASSERT_TRUE(proxy_->ready());
    }

    json record_for(const std::string& target) {
        const auto response = http_request(
            proxy_->port(), "POST", target,
            R"({"inputs": [{"name": "measurements", "datatype": "FP32", "shape": [1, 2],)"
            R"( "data": [5.1, 3.5]}]})");
        EXPECT_EQ(response.status, 200U);
        return proxy_->record_of(response.header("X-Request-Id"));
    }

    fake_upstream production_{
        [](const received_request& r) { return answer_for(r.target, false); }};
    fake_upstream shadow_{[](const received_request& r) { return answer_for(r.target, true); }};
    std::unique_ptr<proxy_process> proxy_;
};

TEST_F(MirrorOipRest, WithinToleranceTheTensorsMatch) {
    start("0.01");
    const json record = record_for("/v2/models/iris/infer/close");
    EXPECT_EQ(record["outcome"], "match");
    EXPECT_EQ(record["production"]["prediction"], 3);
    EXPECT_EQ(record["shadow"]["prediction"], 3);
    EXPECT_EQ(record["features"], json::parse("[5.1, 3.5]"));
}

TEST_F(MirrorOipRest, WithoutToleranceTheArgmaxDecidesAndTheDiffNamesTheElement) {
    start("0");
    const json close = record_for("/v2/models/iris/infer/close");
    EXPECT_EQ(close["outcome"], "prediction_match");
    ASSERT_FALSE(close["diffs"].empty());
    EXPECT_EQ(close["diffs"][0]["pointer"], "/outputs/0/data/3");
    const json flip = record_for("/v2/models/iris/infer/flip");
    EXPECT_EQ(flip["outcome"], "prediction_mismatch");
    EXPECT_EQ(flip["production"]["prediction"], 3);
    EXPECT_EQ(flip["shadow"]["prediction"], 2);
}

}  // namespace
}  // namespace shadowproxy::testing
