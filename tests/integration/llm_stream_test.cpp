// compare.mode openai against fake OpenAI upstreams: streamed and whole answers assembled on
// both sides, the client's stream untouched and on time, a shadow that drops mid-stream, a
// client that aborts mid-stream.
#include <gtest/gtest.h>

#include <array>
#include <thread>

#include "support/fake_openai.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/stream_upstream.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;

const std::string chat_body =
    R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})";

// The raw request of chat_body, for the stream_client.
std::string chat_request() {
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
           std::to_string(chat_body.size()) + "\r\n\r\n" + chat_body;
}

std::string config_for(const stream_upstream& production, const stream_upstream& shadow) {
    return "production: {name: model-v1, url: \"" + production.url() +
           "\"}\n"
           "shadows:\n  - {name: model-v2, url: \"" +
           shadow.url() +
           "\"}\n"
           "compare: {mode: openai}\n";
}

// "Hello 😀 wörld" in three deltas, with a keep-alive comment, the emoji cut across two reads.
sse_script hello_stream(std::chrono::milliseconds delay) {
    sse_script script;
    script.delay = delay;
    script.events = {": keep-alive\n\n", chat_delta("Hello"), chat_delta(" \xf0\x9f\x98\x80"),
                     chat_delta(" w\xc3\xb6rld")};
    for (auto& e : chat_end("stop", 3)) {
        script.events.push_back(e);
    }
    return script;
}

json only_record(const proxy_process& proxy) {
    std::vector<json> records;
    EXPECT_TRUE(wait_until(
        [&] {
            records = proxy.records();
            return !records.empty();
        },
        5s, "a record"));
    return records.empty() ? json{} : records.front();
}

// A proxy in openai mode in front of the two; one chat request through it; its record (null
// after a failure, which is reported).
json one_chat_record(const stream_upstream& production, const stream_upstream& shadow) {
    proxy_process proxy{config_for(production, shadow)};
    if (!proxy.ready()) {
        return {};
    }
    const auto reply = http_request(proxy.port(), "POST", "/v1/chat/completions", chat_body,
                                    {{"Content-Type", "application/json"}});
    EXPECT_EQ(reply.status, 200U) << reply.error;
    return only_record(proxy);
}

TEST(LlmStream, StreamedAndWholeAnswersAreAssembledOnBothSides) {
    auto script = hello_stream(10ms);
    script.split_from_end = 20;  // every event in two reads
    stream_upstream production{sse_answer(script)};
    stream_upstream shadow{json_answer(
        R"({"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",)"
        R"("content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":)"
        R"("get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}]})")};
    const json record = one_chat_record(production, shadow);
    ASSERT_TRUE(record.is_object());
    const auto& p = record["production"]["llm"];
    EXPECT_EQ(p["output_tokens"], 3);
    EXPECT_EQ(p["tokens_estimated"], false);
    EXPECT_EQ(p["finish_reason"], "stop");
    EXPECT_EQ(p["tool_calls"], json::array());
    EXPECT_GT(p["ttft_ms"].get<double>(), 0.0);
    EXPECT_LE(p["ttft_ms"].get<double>(), record["production"]["latency_ms"].get<double>());
    EXPECT_GE(p["itl_ms_mean"].get<double>(), 5.0);  // ~10 ms between the content events
    const auto& s = record["shadow"]["llm"];
    EXPECT_EQ(s["finish_reason"], "tool_calls");
    EXPECT_EQ(s["tool_calls"],
              json::parse(R"([{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}])"));
    EXPECT_EQ(s["tokens_estimated"], true);
    EXPECT_EQ(s["output_tokens"], 0);
    EXPECT_TRUE(s["itl_ms_mean"].is_null());
    const auto& c = record["llm_compare"];
    EXPECT_EQ(c["exact_match"], false);
    EXPECT_EQ(c["finish_reason_match"], false);
    EXPECT_EQ(c["tool_calls_match"], false);
    EXPECT_EQ(c["text_similarity"], 0.0);
    EXPECT_TRUE(c["length_ratio"].is_number());
    EXPECT_EQ(record["outcome"], "prediction_mismatch");
}

TEST(LlmStream, IdenticalStreamsMatchWithUtf8SplitAcrossReads) {
    auto script = hello_stream(5ms);
    // 8 bytes before the end of `{"content":" 😀"}}]}\n\n` is inside the emoji's four bytes.
    script.split_from_end = 8;
    stream_upstream production{sse_answer(script)};
    stream_upstream shadow{sse_answer(script)};
    const json record = one_chat_record(production, shadow);
    ASSERT_TRUE(record.is_object());
    EXPECT_EQ(record["outcome"], "match");
    EXPECT_EQ(record["llm_compare"]["exact_match"], true);
    EXPECT_EQ(record["llm_compare"]["text_similarity"], 1.0);
    EXPECT_EQ(record["llm_compare"]["token_f1"], 1.0);
    EXPECT_EQ(record["shadow"]["llm"]["output_tokens"], 3);
    EXPECT_EQ(record["shadow"]["llm"]["finish_reason"], "stop");
}

TEST(LlmStream, ClientStreamIsByteIdenticalToDirectAndOnTime) {
    constexpr int tokens = 8;
    const auto first = steady::now() + 800ms;
    const auto answer = [&](const std::string&, stream_connection& out) {
        if (!out.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n")) {
            return false;
        }
        for (int i = 0; i < tokens; ++i) {
            std::this_thread::sleep_until(first + i * 60ms);
            if (!out.write_chunk(chat_delta("t" + std::to_string(i)))) {
                return false;
            }
        }
        for (const auto& e : chat_end("stop")) {
            if (!out.write_chunk(e)) {
                return false;
            }
        }
        return out.write_chunk("");
    };
    stream_upstream production{answer};
    stream_upstream shadow{answer};
    proxy_process proxy{config_for(production, shadow)};
    ASSERT_TRUE(proxy.ready());

    const std::string request = chat_request();
    std::array<std::array<steady::time_point, tokens>, 2> arrival{};
    std::array<std::string, 2> bodies;
    auto reader = [&](int which, unsigned short port) {
        stream_client client{port, request};
        int next = 0;
        const auto deadline = steady::now() + 10s;
        while (steady::now() < deadline && client.read_some(500ms) >= 0) {
            while (next < tokens && client.received().find("\"t" + std::to_string(next) + "\"") !=
                                        std::string::npos) {
                arrival[which][next++] = steady::now();
            }
            if (client.received().find("\r\n0\r\n\r\n") != std::string::npos) {
                break;
            }
        }
        const auto head_end = client.received().find("\r\n\r\n");
        bool complete = false;
        if (head_end != std::string::npos) {
            decode_chunked(std::string_view(client.received()).substr(head_end + 4), bodies[which],
                           complete);
        }
        EXPECT_TRUE(complete) << which;
    };
    std::thread direct(reader, 0, production.port());
    std::thread proxied(reader, 1, proxy.port());
    direct.join();
    proxied.join();
    EXPECT_EQ(bodies[0], bodies[1]);
    for (int i = 0; i < tokens; ++i) {
        const auto late =
            std::chrono::duration_cast<std::chrono::milliseconds>(arrival[1][i] - arrival[0][i]);
        EXPECT_LT(late.count(), 50) << "event " << i;
    }
}

TEST(LlmStream, ShadowDroppingMidStreamIsShadowErrorReset) {
    stream_upstream production{sse_answer(hello_stream(5ms))};
    auto dropped = hello_stream(5ms);
    dropped.drop_after = 2;
    stream_upstream shadow{sse_answer(dropped)};
    const json record = one_chat_record(production, shadow);
    ASSERT_TRUE(record.is_object());
    EXPECT_EQ(record["outcome"], "shadow_error");
    EXPECT_EQ(record["shadow"]["error"], "reset");
    EXPECT_FALSE(record["shadow"].contains("llm"));
    EXPECT_FALSE(record.contains("llm_compare"));
    EXPECT_EQ(record["production"]["llm"]["finish_reason"], "stop");
}

TEST(LlmStream, ClientAbortClosesProductionAndStillWritesARecord) {
    sse_script slow;
    slow.delay = 40ms;
    for (int i = 0; i < 60; ++i) {
        slow.events.push_back(chat_delta(" word" + std::to_string(i)));
    }
    auto notes = std::make_shared<upstream_notes>();
    stream_upstream production{sse_answer(slow, notes)};
    stream_upstream shadow{sse_answer(hello_stream(5ms))};
    proxy_process proxy{config_for(production, shadow)};
    ASSERT_TRUE(proxy.ready());
    {
        stream_client client{proxy.port(), chat_request()};
        ASSERT_TRUE(wait_until(
            [&] {
                client.read_some(50ms);
                return client.received().find("word2") != std::string::npos;
            },
            5s, "three tokens through the proxy"));
    }  // the client goes away mid-stream
    EXPECT_TRUE(wait_until([&] { return notes->write_failures.load() > 0; }, 5s,
                           "production's connection closed by the proxy"));
    const json record = only_record(proxy);
    ASSERT_TRUE(record.is_object());
    EXPECT_EQ(record["client_aborted"], true);
    EXPECT_EQ(record["outcome"], "production_error");
    EXPECT_EQ(record["production"]["error"], "reset");
}

}  // namespace
}  // namespace shadowproxy::testing
