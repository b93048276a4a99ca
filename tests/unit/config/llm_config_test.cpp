// compare.mode, compare.openai, compare.noise_reference and the LLM promotion criteria: read
// with their defaults, and every mistake named by its key.
#include <gtest/gtest.h>

#include "config_test_util.hpp"
#include "shadowproxy/config/config.hpp"

namespace shadowproxy::config {
namespace {

using testing_util::joined;
using testing_util::minimal;
using testing_util::problems_of;

TEST(LlmConfig, DefaultsAreJsonModeWithoutNoiseReference) {
    const auto c = parse(minimal, "ok.yaml");
    EXPECT_EQ(c.compare.mode, compare_mode::json);
    EXPECT_EQ(c.compare.openai.paths,
              (std::vector<std::string>{"/v1/chat/completions", "/v1/completions"}));
    EXPECT_EQ(c.compare.openai.max_similarity_chars, 4096U);
    EXPECT_FALSE(c.compare.noise_reference.has_value());
    EXPECT_FALSE(c.promotion.min_mean_text_similarity.has_value());
}

TEST(LlmConfig, ReadsModePathsNoiseReferenceAndCriteria) {
    const auto c = parse(minimal +
                             "compare:\n  mode: openai\n  openai: {paths: [/chat], "
                             "max_similarity_chars: 100}\n"
                             "  noise_reference: {url: \"http://127.0.0.1:9\", sample_rate: 0.1}\n"
                             "promotion: {min_mean_text_similarity: 0.8, max_shadow_ttft_p95_ms: "
                             "300, min_tool_call_agreement: 0.9, "
                             "max_finish_reason_mismatch_rate: 0.05, "
                             "max_similarity_gap_to_noise: 0.02}\n",
                         "ok.yaml");
    EXPECT_EQ(c.compare.mode, compare_mode::openai);
    EXPECT_EQ(c.compare.openai.paths, std::vector<std::string>{"/chat"});
    EXPECT_EQ(c.compare.openai.max_similarity_chars, 100U);
    ASSERT_TRUE(c.compare.noise_reference.has_value());
    EXPECT_EQ(c.compare.noise_reference->name, "production-noise");
    EXPECT_DOUBLE_EQ(c.compare.noise_reference->sample_rate, 0.1);
    EXPECT_TRUE(c.compare.noise_reference->noise_reference);
    EXPECT_EQ(c.promotion.min_mean_text_similarity, 0.8);
    EXPECT_EQ(c.promotion.max_shadow_ttft_p95_ms, 300.0);
    EXPECT_EQ(c.promotion.min_tool_call_agreement, 0.9);
    EXPECT_EQ(c.promotion.max_finish_reason_mismatch_rate, 0.05);
    EXPECT_EQ(c.promotion.max_similarity_gap_to_noise, 0.02);
}

TEST(LlmConfig, MistakesNameTheirKeys) {
    const auto text = joined(problems_of(
        minimal +
        "shadows:\n  - {name: cand, url: \"http://127.0.0.1:2\"}\n"
        "compare:\n  mode: chat\n  openai: {paths: [chat], max_similarity_chars: 0, extra: 1}\n"
        "  noise_reference: {name: cand, url: \"http://127.0.0.1:9\", sample_rate: 2}\n"
        "promotion: {min_mean_text_similarity: 1.5}\n"));
    for (const char* expected :
         {"compare.mode: must be json or openai, got 'chat'", "compare.openai.paths",
          "compare.openai.max_similarity_chars", "compare.openai.extra",
          "compare.noise_reference.name", "compare.noise_reference.sample_rate",
          "promotion.min_mean_text_similarity"}) {
        EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
    }
}

}  // namespace
}  // namespace shadowproxy::config
