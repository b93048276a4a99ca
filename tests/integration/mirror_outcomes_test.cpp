// Every docs/records.md outcome produced by a real request through the real binary, and the
// record's fields and types checked against the contract.
#include <gtest/gtest.h>

#include "common/regex_pattern.hpp"
#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {

using shadowproxy::test_support::regex_pattern;

namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string compare_section =
    "compare: {prediction_pointer: /prediction, ignore_pointers: [/model_version]}\n";

// Production's and the shadow's answer for each path.
reply answer_for(const std::string& target, bool is_shadow) {
    reply r;
    const std::string path = target.substr(0, target.find('?'));
    if (path == "/match") {
        r.body = is_shadow ? R"({"prediction":1,"model_version":"v2"})"
                           : R"({"prediction":1,"model_version":"v1"})";
    } else if (path == "/prediction_match") {
        r.body = is_shadow ? R"({"prediction":"cat","score":0.8,"extra":true})"
                           : R"({"prediction":"cat","score":0.9})";
    } else if (path == "/prediction_mismatch") {
        r.body = is_shadow ? R"({"prediction":0})" : R"({"prediction":1})";
    } else if (path == "/status_mismatch") {
        r.body = is_shadow ? R"({"error":"boom"})" : R"({"prediction":1})";
        r.status = is_shadow ? 500 : 200;
    } else if (path == "/shadow_error") {
        r.action = is_shadow ? reply::kind::reset : reply::kind::normal;
    }
    return r;
}

// One record per request, keyed by path, written by a proxy with one shadow "s".
class MirrorOutcomes : public ::testing::Test {
protected:
    void SetUp() override {
        proxy_ = std::make_unique<proxy_process>(
            "production: {name: prod, url: \"" + production_.url() + "\"}\nshadows:\n" +
            "  - {name: s, url: \"" + shadow_.url() + "\"}\n" + compare_section);
        ASSERT_TRUE(proxy_->ready());
    }

    json record_for(const std::string& target) {
        const auto response = http_request(proxy_->port(), "POST", target, R"({"features":[1]})");
        EXPECT_EQ(response.status, 200U);
        return proxy_->record_of(response.header("X-Request-Id"));
    }

    fake_upstream production_{
        [](const received_request& r) { return answer_for(r.target, false); }};
    fake_upstream shadow_{[](const received_request& r) { return answer_for(r.target, true); }};
    std::unique_ptr<proxy_process> proxy_;
};

// The types and formats docs/records.md promises, whatever the outcome.
void expect_record_shape(const json& record) {
    ASSERT_TRUE(record.is_object());
    ASSERT_TRUE(record["ts"].is_string());
    EXPECT_TRUE(regex_pattern(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")
                    .matches(record["ts"].get<std::string>()))
        << record["ts"];
    EXPECT_TRUE(record["request_id"].is_string());
    EXPECT_EQ(record["method"], "POST");
    EXPECT_TRUE(record["path"].is_string());
    for (const char* side : {"production", "shadow"}) {
        const auto& s = record[side];
        ASSERT_TRUE(s.is_object()) << side;
        EXPECT_TRUE(s["name"].is_string());
        EXPECT_TRUE(s["status"].is_number_integer() || s["status"].is_null()) << s.dump();
        EXPECT_TRUE(s["latency_ms"].is_number()) << s.dump();
        EXPECT_GE(s["latency_ms"].get<double>(), 0.0);
        EXPECT_TRUE(s["bytes"].is_number_integer()) << s.dump();
        EXPECT_TRUE(s.contains("error"));
        EXPECT_TRUE(s["error"].is_null() || s["error"].is_string());
        EXPECT_TRUE(s.contains("prediction"));
    }
    EXPECT_TRUE(record["shadow"]["queue_ms"].is_number());
    EXPECT_GE(record["shadow"]["queue_ms"].get<double>(), 0.0);
    EXPECT_FALSE(record["production"].contains("queue_ms"));
    EXPECT_TRUE(record["outcome"].is_string());
    EXPECT_TRUE(record["prediction_match"].is_boolean());
    EXPECT_TRUE(record["status_match"].is_boolean());
    EXPECT_TRUE(record["body_match"].is_boolean());
    ASSERT_TRUE(record["diffs"].is_array());
    for (const auto& diff : record["diffs"]) {
        EXPECT_TRUE(diff["pointer"].is_string());
        EXPECT_TRUE(diff.contains("production"));
        EXPECT_TRUE(diff.contains("shadow"));
    }
}

TEST_F(MirrorOutcomes, Match) {
    const auto record = record_for("/match?x=1");
    expect_record_shape(record);
    EXPECT_EQ(record["outcome"], "match");
    EXPECT_EQ(record["path"], "/match");
    EXPECT_EQ(record["production"]["name"], "prod");
    EXPECT_EQ(record["shadow"]["name"], "s");
    EXPECT_EQ(record["production"]["status"], 200);
    EXPECT_EQ(record["production"]["prediction"], 1);
    EXPECT_EQ(record["shadow"]["prediction"], 1);
    EXPECT_EQ(record["production"]["bytes"],
              std::string{R"({"prediction":1,"model_version":"v1"})"}.size());
    EXPECT_TRUE(record["body_match"].get<bool>());
    EXPECT_TRUE(record["prediction_match"].get<bool>());
    EXPECT_TRUE(record["status_match"].get<bool>());
    EXPECT_TRUE(record["diffs"].empty());
}

TEST_F(MirrorOutcomes, PredictionMatch) {
    const auto record = record_for("/prediction_match");
    expect_record_shape(record);
    EXPECT_EQ(record["outcome"], "prediction_match");
    EXPECT_EQ(record["production"]["prediction"], "cat");
    EXPECT_EQ(record["shadow"]["prediction"], "cat");
    EXPECT_TRUE(record["prediction_match"].get<bool>());
    EXPECT_FALSE(record["body_match"].get<bool>());
    const json expected = json::parse(R"([
        {"pointer":"/extra","production":null,"shadow":true,"missing":"production"},
        {"pointer":"/score","production":0.9,"shadow":0.8}])");
    json diffs = record["diffs"];
    std::sort(diffs.begin(), diffs.end(),
              [](const json& a, const json& b) { return a["pointer"] < b["pointer"]; });
    EXPECT_EQ(diffs, expected);
}

TEST_F(MirrorOutcomes, PredictionMismatch) {
    const auto record = record_for("/prediction_mismatch");
    expect_record_shape(record);
    EXPECT_EQ(record["outcome"], "prediction_mismatch");
    EXPECT_FALSE(record["prediction_match"].get<bool>());
    EXPECT_TRUE(record["status_match"].get<bool>());
    EXPECT_EQ(record["diffs"],
              json::parse(R"([{"pointer":"/prediction","production":1,"shadow":0}])"));
}

TEST_F(MirrorOutcomes, StatusMismatchIsAnAnswerNotAnError) {
    const auto record = record_for("/status_mismatch");
    expect_record_shape(record);
    EXPECT_EQ(record["outcome"], "status_mismatch");
    EXPECT_EQ(record["shadow"]["status"], 500);
    EXPECT_TRUE(record["shadow"]["error"].is_null());
    EXPECT_FALSE(record["status_match"].get<bool>());
    EXPECT_EQ(record["shadow"]["bytes"], std::string{R"({"error":"boom"})"}.size());
}

TEST_F(MirrorOutcomes, ShadowError) {
    const auto record = record_for("/shadow_error");
    expect_record_shape(record);
    EXPECT_EQ(record["outcome"], "shadow_error");
    EXPECT_EQ(record["shadow"]["error"], "reset");
    EXPECT_TRUE(record["production"]["error"].is_null());
    EXPECT_EQ(record["production"]["prediction"], 1);
}

TEST_F(MirrorOutcomes, CountedPerOutcome) {
    for (const char* path : {"/match", "/match", "/prediction_mismatch"}) {
        record_for(path);
    }
    EXPECT_EQ(proxy_->metric(R"(shadowproxy_comparisons_total{shadow="s",outcome="match"})"), 2);
    EXPECT_EQ(proxy_->metric(
                  R"(shadowproxy_comparisons_total{shadow="s",outcome="prediction_mismatch"})"),
              1);
}

TEST(MirrorOutcomesProduction, ProductionErrorStillRecordsTheShadow) {
    fake_upstream shadow;
    proxy_process proxy{
        "production: {name: prod, url: \"http://127.0.0.1:" + std::to_string(closed_port()) +
        "\"}\nshadows:\n  - {name: s, url: \"" + shadow.url() + "\"}\n" + compare_section};
    ASSERT_TRUE(proxy.ready());
    const auto response = http_request(proxy.port(), "POST", "/predict", R"({"features":[1]})");
    EXPECT_EQ(response.status, 502U);
    const auto body = json::parse(response.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << response.body;
    EXPECT_EQ(body["request_id"], response.header("X-Request-Id"));
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 1; }, 5s, "the record"));
    const auto record = proxy.records().front();
    expect_record_shape(record);
    EXPECT_EQ(record["request_id"], response.header("X-Request-Id"));
    EXPECT_EQ(record["outcome"], "production_error");
    EXPECT_EQ(record["production"]["error"], "connect_failed");
    EXPECT_TRUE(record["production"]["prediction"].is_null());
    EXPECT_EQ(record["shadow"]["status"], 200);
    EXPECT_TRUE(record["shadow"]["error"].is_null());
    EXPECT_EQ(record["shadow"]["prediction"], 1);
    EXPECT_EQ(shadow.request_count(), 1U);
}

}  // namespace
}  // namespace shadowproxy::testing
