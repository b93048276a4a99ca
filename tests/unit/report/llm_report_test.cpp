// `report` on generated-text records and on the noise reference's records: the "llm" summary,
// the LLM criteria, and the gap to the noise floor (openai and json modes), checked against
// numbers worked out by hand here.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "shadowproxy/report/report.hpp"
#include "test_files.hpp"

namespace shadowproxy::report {
namespace {

using testing::temp_dir;
using json = nlohmann::json;

json side(const std::string& name, int prediction, std::optional<double> ttft,
          const std::string& finish, json tool_calls = json::array()) {
    json out = {{"name", name},
                {"status", 200},
                {"latency_ms", 10.0},
                {"error", nullptr},
                {"prediction", prediction}};
    if (ttft) {
        out["llm"] = {{"ttft_ms", *ttft},
                      {"itl_ms_mean", 2.0},
                      {"itl_ms_p95", 3.0},
                      {"output_tokens", 5},
                      {"tokens_per_s", 500.0},
                      {"finish_reason", finish},
                      {"tool_calls", std::move(tool_calls)},
                      {"tokens_estimated", false}};
    }
    return out;
}

std::string record(const std::string& id, const std::string& shadow, bool noise, double similarity,
                   bool exact, const std::string& shadow_finish, bool tools_match, double ttft) {
    json r = {{"request_id", id},
              {"outcome", exact ? "match" : "prediction_mismatch"},
              {"status_match", true},
              {"production", side("v1", 1, 10.0, "stop")},
              {"shadow", side(shadow, 1, ttft, shadow_finish,
                              tools_match ? json::array()
                                          : json::array({{{"name", "f"}, {"arguments", "{}"}}}))},
              {"llm_compare",
               {{"exact_match", exact},
                {"text_similarity", similarity},
                {"token_f1", similarity},
                {"length_ratio", 1.0},
                {"finish_reason_match", shadow_finish == "stop"},
                {"tool_calls_match", tools_match}}}};
    if (noise) {
        r["reference"] = "noise";
    }
    return r.dump() + "\n";
}

report_options options_for(const std::string& log) {
    report_options options;
    options.logs = {log};
    options.promotion.min_requests = 1;
    options.promotion.max_shadow_p95_ms = 1000;
    options.promotion.min_mean_text_similarity = 0.5;
    options.promotion.max_shadow_ttft_p95_ms = 100;
    options.promotion.min_tool_call_agreement = 0.9;
    options.promotion.max_finish_reason_mismatch_rate = 0.2;
    options.promotion.max_similarity_gap_to_noise = 0.1;
    return options;
}

TEST(LlmReport, SummaryCriteriaAndNoiseGap) {
    temp_dir dir;
    std::string log;
    // Candidate: similarities 1, 0.5, 0.6, 0.9; one length finish; one tool-call mismatch.
    log += record("a", "v2", false, 1.0, true, "stop", true, 20);
    log += record("b", "v2", false, 0.5, false, "length", true, 40);
    log += record("c", "v2", false, 0.6, false, "stop", false, 60);
    log += record("d", "v2", false, 0.9, false, "stop", true, 80);
    // Noise reference: production vs itself, similarities 1 and 0.9.
    log += record("a", "v1-noise", true, 1.0, true, "stop", true, 10);
    log += record("b", "v1-noise", true, 0.9, false, "stop", true, 10);
    const auto result = build_report(options_for(dir.write("log.jsonl", log)));
    ASSERT_EQ(result.shadows.size(), 1U);  // the noise reference is not a candidate
    const auto& shadow = result.shadows[0];
    ASSERT_TRUE(shadow.llm.has_value());
    const auto& llm = *shadow.llm;
    EXPECT_EQ(llm.compared, 4U);
    EXPECT_DOUBLE_EQ(*llm.text_similarity.mean, 0.75);
    EXPECT_DOUBLE_EQ(*llm.text_similarity.p50, 0.75);  // linear between 0.6 and 0.9
    EXPECT_DOUBLE_EQ(*llm.exact_match_rate, 0.25);
    EXPECT_DOUBLE_EQ(*llm.finish_reason_mismatch_rate, 0.25);
    // Only record c has a tool call (on one side): agreement over the records with tool calls.
    EXPECT_EQ(llm.tool_call_records, 1U);
    EXPECT_DOUBLE_EQ(*llm.tool_call_agreement, 0.0);
    EXPECT_DOUBLE_EQ(*llm.shadow_ttft.p50, 50.0);
    EXPECT_DOUBLE_EQ(*llm.ttft_delta.p50, 40.0);
    EXPECT_EQ(llm.finish_reasons.at({"stop", "length"}), 1U);
    EXPECT_EQ(llm.finish_reasons.at({"stop", "stop"}), 3U);

    ASSERT_TRUE(result.noise.has_value());
    ASSERT_TRUE(shadow.noise.has_value());
    EXPECT_EQ(shadow.noise->metric, "text_similarity");
    EXPECT_DOUBLE_EQ(shadow.noise->floor, 0.95);
    EXPECT_DOUBLE_EQ(shadow.noise->gap, 0.2);
    EXPECT_LT(shadow.noise->ci95.low, 0.2);
    EXPECT_GT(shadow.noise->ci95.high, 0.2);

    std::map<std::string, bool> verdicts;
    for (const auto& c : shadow.promotion.criteria) {
        verdicts[c.name] = c.evaluated && c.passed;
    }
    EXPECT_EQ(verdicts.count("min_agreement"), 0U);  // left out for generated text
    EXPECT_TRUE(verdicts.at("min_mean_text_similarity"));
    EXPECT_TRUE(verdicts.at("max_shadow_ttft_p95_ms"));
    EXPECT_FALSE(verdicts.at("min_tool_call_agreement"));
    EXPECT_FALSE(verdicts.at("max_finish_reason_mismatch_rate"));
    EXPECT_FALSE(verdicts.at("max_similarity_gap_to_noise"));

    std::ostringstream text;
    write_text(result, text);
    EXPECT_NE(text.str().find("Noise floor (text_similarity)"), std::string::npos) << text.str();
    std::ostringstream doc;
    write_json(result, doc);
    const json parsed = json::parse(doc.str());
    EXPECT_EQ(parsed["shadows"][0]["llm"]["compared"], 4);
    EXPECT_EQ(parsed["noise_reference"]["name"], "v1-noise");
}

TEST(LlmReport, JsonModeNoiseFloorIsTheAgreementRate) {
    temp_dir dir;
    std::string log;
    const auto plain = [](const std::string& id, const std::string& shadow, int p, int s,
                          bool noise) {
        json r = {{"request_id", id},
                  {"outcome", p == s ? "match" : "prediction_mismatch"},
                  {"production",
                   {{"name", "v1"},
                    {"status", 200},
                    {"latency_ms", 1.0},
                    {"error", nullptr},
                    {"prediction", p}}},
                  {"shadow",
                   {{"name", shadow},
                    {"status", 200},
                    {"latency_ms", 1.0},
                    {"error", nullptr},
                    {"prediction", s}}}};
        if (noise) {
            r["reference"] = "noise";
        }
        return r.dump() + "\n";
    };
    for (int i = 0; i < 10; ++i) {
        log += plain("r" + std::to_string(i), "v2", 1, i < 6 ? 1 : 0, false);    // 60% agree
        log += plain("r" + std::to_string(i), "noise", 1, i < 9 ? 1 : 0, true);  // 90% agree
    }
    auto options = options_for(dir.write("log.jsonl", log));
    const auto result = build_report(options);
    ASSERT_EQ(result.shadows.size(), 1U);
    const auto& shadow = result.shadows[0];
    EXPECT_FALSE(shadow.llm.has_value());
    ASSERT_TRUE(shadow.noise.has_value());
    EXPECT_EQ(shadow.noise->metric, "agreement");
    EXPECT_DOUBLE_EQ(shadow.noise->floor, 0.9);
    EXPECT_DOUBLE_EQ(shadow.noise->candidate, 0.6);
    EXPECT_NEAR(shadow.noise->gap, 0.3, 1e-12);
}

}  // namespace
}  // namespace shadowproxy::report
