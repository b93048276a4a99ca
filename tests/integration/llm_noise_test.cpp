// The example LLM server (examples/llm_server) as production, a second production instance as
// the noise reference and v2 as the candidate: with sampling (temperature > 0) production
// disagrees with itself and the report shows that floor and the candidate's gap; greedy
// (temperature 0) the floor is 1. The report's LLM numbers are recomputed here from the JSONL.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "common/percentile.hpp"
#include "support/binaries.hpp"
#include "support/http_client.hpp"
#include "support/model_server_process.hpp"
#include "support/proxy_process.hpp"
#include "support/shell.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr int requests = 12;

server_command llm_server(const std::string& version) {
    return {{LLM_SERVER_BINARY, "--version", version, "--token-delay-ms", "1", "--threads", "1"}};
}

// Sends the chat requests (every third streamed, one asking for the weather tool) and waits for
// the two records of each.
void send_chats(const proxy_process& proxy, double temperature) {
    for (int i = 0; i < requests; ++i) {
        json body = {
            {"model", "m"},
            {"temperature", temperature},
            {"max_tokens", 12},
            {"stream", i % 3 == 0},
            {"messages", {{{"role", "user"}, {"content", "question " + std::to_string(i)}}}}};
        if (i == 1) {
            body["messages"][0]["content"] = "what is the weather in Oslo?";
            body["tools"] = {{{"type", "function"}, {"function", {{"name", "get_weather"}}}}};
        }
        const auto reply = http_request(proxy.port(), "POST", "/v1/chat/completions", body.dump());
        ASSERT_EQ(reply.status, 200U) << reply.error;
    }
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() >= 2 * requests; }, 10s,
                           "two records per request"));
}

json report_json(const proxy_process& proxy) {
    const auto r = run_shell(shadowproxy_binary() + " report --format json --min-requests 1 " +
                             shell_quote(proxy.log_path()));
    EXPECT_NE(r.exit_code, 2) << r.output;
    const auto start = r.output.find('{');
    return start == std::string::npos ? json{}
                                      : json::parse(r.output.substr(start), nullptr, false);
}

std::string config_for(const model_server_process& v1, const model_server_process& noise,
                       const model_server_process& v2) {
    return "production: {name: model-v1, url: \"" + v1.url() +
           "\"}\n"
           "shadows:\n  - {name: model-v2, url: \"" +
           v2.url() +
           "\"}\n"
           "compare:\n  mode: openai\n  noise_reference: {url: \"" +
           noise.url() + "\", sample_rate: 1.0}\n";
}

using test_support::percentile;

class LlmNoise : public ::testing::Test {
protected:
    model_server_process v1{llm_server("v1")};
    model_server_process noise{llm_server("v1")};
    model_server_process v2{llm_server("v2")};
};

TEST_F(LlmNoise, SampledProductionHasAFloorBelowOneAndTheReportAgreesWithTheLog) {
    ASSERT_TRUE(v1.ready() && noise.ready() && v2.ready());
    proxy_process proxy{config_for(v1, noise, v2)};
    ASSERT_TRUE(proxy.ready());
    send_chats(proxy, 0.9);
    const json report = report_json(proxy);
    ASSERT_TRUE(report.contains("noise_reference")) << report.dump();
    const double floor = report["noise_reference"]["llm"]["text_similarity"]["mean"];
    EXPECT_LT(floor, 1.0);
    ASSERT_EQ(report["shadows"].size(), 1U);
    const auto& shadow = report["shadows"][0];
    ASSERT_TRUE(shadow.contains("noise")) << shadow.dump();
    EXPECT_EQ(shadow["noise"]["metric"], "text_similarity");
    EXPECT_DOUBLE_EQ(shadow["noise"]["floor"].get<double>(), floor);
    EXPECT_NEAR(shadow["noise"]["gap"].get<double>(),
                floor - shadow["llm"]["text_similarity"]["mean"].get<double>(), 1e-12);

    // The same numbers from the log, computed here.
    std::vector<double> similarity, ttft;
    int exact = 0, finish_mismatch = 0, tools_agree = 0, tool_records = 0;
    for (const auto& record : proxy.records()) {
        if (record.contains("reference") || !record.contains("llm_compare")) {
            continue;
        }
        const auto& c = record["llm_compare"];
        similarity.push_back(c["text_similarity"]);
        exact += c["exact_match"].get<bool>() ? 1 : 0;
        finish_mismatch += c["finish_reason_match"].get<bool>() ? 0 : 1;
        if (!record["production"]["llm"]["tool_calls"].empty() ||
            !record["shadow"]["llm"]["tool_calls"].empty()) {
            ++tool_records;
            tools_agree += c["tool_calls_match"].get<bool>() ? 1 : 0;
        }
        if (record["shadow"]["llm"]["ttft_ms"].is_number()) {
            ttft.push_back(record["shadow"]["llm"]["ttft_ms"]);
        }
    }
    ASSERT_EQ(similarity.size(), static_cast<std::size_t>(requests));
    const auto n = static_cast<double>(similarity.size());
    double sum = 0;
    for (const double v : similarity) {
        sum += v;
    }
    const auto& llm = shadow["llm"];
    EXPECT_EQ(llm["compared"], requests);
    EXPECT_NEAR(llm["text_similarity"]["mean"].get<double>(), sum / n, 1e-9);
    EXPECT_NEAR(llm["text_similarity"]["p50"].get<double>(), percentile(similarity, 0.5), 1e-9);
    EXPECT_NEAR(llm["text_similarity"]["p10"].get<double>(), percentile(similarity, 0.1), 1e-9);
    EXPECT_NEAR(llm["exact_match"]["rate"].get<double>(), exact / n, 1e-9);
    EXPECT_NEAR(llm["finish_reason"]["mismatch_rate"].get<double>(), finish_mismatch / n, 1e-9);
    ASSERT_EQ(llm["tool_call_records"], tool_records);
    ASSERT_GT(tool_records, 0);
    EXPECT_NEAR(llm["tool_call_agreement"].get<double>(),
                static_cast<double>(tools_agree) / tool_records, 1e-9);
    ASSERT_FALSE(ttft.empty());
    EXPECT_NEAR(llm["ttft_ms"]["shadow"]["p50"].get<double>(), percentile(ttft, 0.5), 1e-9);
    EXPECT_NEAR(llm["ttft_ms"]["shadow"]["p95"].get<double>(), percentile(ttft, 0.95), 1e-9);
}

TEST_F(LlmNoise, GreedyProductionHasAFloorOfOne) {
    ASSERT_TRUE(v1.ready() && noise.ready() && v2.ready());
    proxy_process proxy{config_for(v1, noise, v2)};
    ASSERT_TRUE(proxy.ready());
    send_chats(proxy, 0.0);
    const json report = report_json(proxy);
    ASSERT_TRUE(report.contains("noise_reference")) << report.dump();
    EXPECT_EQ(report["noise_reference"]["llm"]["text_similarity"]["mean"], 1.0);
    EXPECT_EQ(report["noise_reference"]["llm"]["exact_match"]["rate"], 1.0);
    const auto& shadow = report["shadows"][0];
    EXPECT_EQ(shadow["noise"]["floor"], 1.0);
    EXPECT_GT(shadow["noise"]["gap"].get<double>(), 0.0);  // v2 differs from v1
}

}  // namespace
}  // namespace shadowproxy::testing
