#include "shadowproxy/llm/answer.hpp"

#include <gtest/gtest.h>

#include "shadowproxy/llm/llm_compare.hpp"
#include "shadowproxy/llm/side.hpp"
#include "shadowproxy/llm/stream_observer.hpp"

namespace shadowproxy::llm {
namespace {

TEST(Answer, StreamedChatDeltasToolCallsAndUsage) {
    answer a;
    EXPECT_FALSE(add_event(a, R"({"choices":[{"index":0,"delta":{"role":"assistant"}}]})"));
    EXPECT_TRUE(add_event(a, R"({"choices":[{"index":0,"delta":{"content":"Hel"}}]})"));
    EXPECT_TRUE(add_event(a, R"({"choices":[{"index":0,"delta":{"content":"lo"}}]})"));
    EXPECT_TRUE(add_event(
        a,
        R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"get_weather","arguments":"{\"ci"}}]}}]})"));
    EXPECT_TRUE(add_event(
        a,
        R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Paris\"}"}}]}}]})"));
    EXPECT_FALSE(
        add_event(a, R"({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})"));
    EXPECT_FALSE(add_event(a, R"({"choices":[],"usage":{"completion_tokens":7}})"));
    EXPECT_FALSE(add_event(a, "[DONE]"));
    ASSERT_EQ(a.choices.size(), 1U);
    EXPECT_EQ(a.choices[0].text, "Hello");
    EXPECT_EQ(a.choices[0].finish_reason, "tool_calls");
    ASSERT_EQ(a.choices[0].tool_calls.size(), 1U);
    EXPECT_EQ(a.choices[0].tool_calls[0].name, "get_weather");
    EXPECT_EQ(a.choices[0].tool_calls[0].arguments, R"({"city":"Paris"})");
    EXPECT_EQ(a.completion_tokens, 7U);
    EXPECT_EQ(a.content_events, 4U);
    EXPECT_TRUE(a.done);
    EXPECT_TRUE(a.valid);
}

TEST(Answer, CompletionsTextPerChoiceIndex) {
    answer a;
    add_event(a, R"({"choices":[{"index":1,"text":"B1"},{"index":0,"text":"A1"}]})");
    add_event(a, R"({"choices":[{"index":0,"text":" A2","finish_reason":"stop"}]})");
    ASSERT_EQ(a.choices.size(), 2U);
    EXPECT_EQ(a.choices[0].text, "A1 A2");
    EXPECT_EQ(a.choices[1].text, "B1");
    EXPECT_EQ(a.choices[0].finish_reason, "stop");
    EXPECT_FALSE(a.choices[1].finish_reason.has_value());
}

TEST(Answer, WholeBodies) {
    const auto chat = assemble_body(
        R"({"choices":[{"index":0,"message":{"role":"assistant","content":"Hi there","tool_calls":[{"id":"x","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2}})");
    ASSERT_TRUE(chat.valid);
    EXPECT_EQ(chat.choices[0].text, "Hi there");
    EXPECT_EQ(chat.choices[0].tool_calls.size(), 1U);
    EXPECT_EQ(chat.completion_tokens, 2U);
    EXPECT_FALSE(assemble_body(R"({"error":{"message":"bad"}})").valid);
    EXPECT_FALSE(assemble_body("not json").valid);
    EXPECT_FALSE(add_event(*std::make_unique<answer>(), "garbage"));
}

TEST(ToolCalls, SameNamesInOrderAndJsonEqualArguments) {
    EXPECT_TRUE(tool_calls_equal({{"f", R"({"a":1,"b":2})"}}, {{"f", R"({ "b": 2, "a": 1 })"}}));
    EXPECT_FALSE(tool_calls_equal({{"f", R"({"a":1})"}}, {{"f", R"({"a":2})"}}));
    EXPECT_FALSE(tool_calls_equal({{"f", "{}"}, {"g", "{}"}}, {{"g", "{}"}, {"f", "{}"}}));
    EXPECT_FALSE(tool_calls_equal({{"f", "{}"}}, {}));
    EXPECT_TRUE(tool_calls_equal({}, {}));
}

TEST(CompareAnswers, ExactAndDifferent) {
    answer p = assemble_body(
        R"({"choices":[{"index":0,"message":{"content":"the cat sat"},"finish_reason":"stop"}]})");
    answer same = p;
    const auto equal = compare_answers(p, same, 4096);
    EXPECT_TRUE(equal.exact_match);
    EXPECT_DOUBLE_EQ(equal.text_similarity, 1.0);
    EXPECT_EQ(equal.length_ratio, 1.0);
    answer s = assemble_body(
        R"({"choices":[{"index":0,"message":{"content":"the cat sat down"},"finish_reason":"length"}]})");
    const auto different = compare_answers(p, s, 4096);
    EXPECT_FALSE(different.exact_match);
    EXPECT_FALSE(different.finish_reason_match);
    EXPECT_TRUE(different.tool_calls_match);
    EXPECT_DOUBLE_EQ(different.text_similarity, 1.0 - 5.0 / 16.0);
    EXPECT_DOUBLE_EQ(different.token_f1, 2.0 * 1.0 * 0.75 / 1.75);
    EXPECT_DOUBLE_EQ(*different.length_ratio, 16.0 / 11.0);
}

TEST(StreamObserver, TimesContentEventsAndIgnoresJsonBodies) {
    const auto start = std::chrono::steady_clock::now();
    stream_observer observer(start, 4096);
    using std::chrono::milliseconds;
    observer.on_captured(": hi\n\ndata: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n",
                         start + milliseconds(5));
    observer.on_captured("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\nda",
                         start + milliseconds(10));
    observer.on_captured("ta: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n",
                         start + milliseconds(30));
    observer.on_captured(
        "data: {\"choices\":[{\"delta\":{\"content\":\"c\"},\"finish_reason\":"
        "\"stop\"}]}\n\ndata: [DONE]\n\n",
        start + milliseconds(40));
    const auto seen = observer.take();
    ASSERT_TRUE(seen.sse);
    const auto side = side_of(seen, "", 50.0);
    ASSERT_TRUE(side.has_value());
    EXPECT_EQ(side->assembled.choices[0].text, "abc");
    EXPECT_NEAR(*side->ttft_ms, 10.0, 1e-6);
    EXPECT_NEAR(*side->itl_ms_mean, 15.0, 1e-6);
    EXPECT_NEAR(*side->itl_ms_p95, 20.0, 1e-4);
    EXPECT_EQ(side->output_tokens, 3U);
    EXPECT_TRUE(side->tokens_estimated);
    EXPECT_NEAR(*side->tokens_per_s, 60.0, 1e-9);

    stream_observer json_observer(start, 4096);
    const std::string body = R"({"choices":[{"message":{"content":"one two"}}]})";
    json_observer.on_captured(body, start + milliseconds(3));
    const auto whole = side_of(json_observer.take(), body, 8.0);
    ASSERT_TRUE(whole.has_value());
    EXPECT_EQ(whole->ttft_ms, 8.0);
    EXPECT_EQ(whole->output_tokens, 2U);
    EXPECT_FALSE(whole->itl_ms_mean.has_value());
}

}  // namespace
}  // namespace shadowproxy::llm
