// gRPC through the HTTP/2 listener (README "HTTP/2"): an h2c gRPC client → the proxy → h2c
// upstreams. Production's trailers reach the client after a byte-identical body, a trailers-only
// answer stays one HEADERS frame, grpc-timeout caps production's timeout, production's failures
// come back as gRPC statuses (DEADLINE_EXCEEDED, UNAVAILABLE), a streaming call is passed through
// but not mirrored (mirror_dropped_total{reason="streaming_rpc"}), and an OIP ModelInfer call is
// mirrored and its tensors compared with the client's answer production's own.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "shadowproxy/oip/grpc_message.hpp"
#include "support/fake_h2_upstream.hpp"
#include "support/free_port.hpp"
#include "support/h2_client.hpp"
#include "support/oip_messages.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr const char* model_infer = "/inference.GRPCInferenceService/ModelInfer";

h2_request grpc_call(const std::string& path, const std::string& body, header_list more = {}) {
    h2_request r;
    r.method = "POST";
    r.path = path;
    r.body = body;
    r.headers = {{"content-type", "application/grpc"}, {"te", "trailers"}};
    r.headers.insert(r.headers.end(), more.begin(), more.end());
    return r;
}

std::string trailer(const h2_response& response, const std::string& name) {
    for (const auto& [key, value] : response.trailers) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

h2_reply grpc_reply(const std::string& message) {
    h2_reply reply;
    reply.headers = {{"content-type", "application/grpc"}};
    reply.body = oip::grpc_frame(message);
    reply.trailers = {{"grpc-status", "0"}, {"grpc-message", "all good"}};
    return reply;
}

std::string h2c_config(const std::string& production_url, const std::string& more = {}) {
    return "production: {name: prod, url: \"" + production_url +
           "\", protocol: h2c, timeout_ms: 5000}\n" + more;
}

h2_response call_one(const proxy_process& proxy, const h2_request& request) {
    h2_connection connection{proxy.port()};
    EXPECT_TRUE(connection.connected()) << connection.error();
    auto answers = connection.exchange({request});
    return answers.empty() ? h2_response{} : answers.front();
}

TEST(H2GrpcListener, UnaryCallGetsProductionsBodyAndTrailers) {
    const std::string message = std::string("\x0a\x05hello\x00\xff", 9);
    fake_h2_upstream production{[&](const received_request&) { return grpc_reply(message); }};
    proxy_process proxy{h2c_config(production.url())};
    ASSERT_TRUE(proxy.ready());
    const auto answer = call_one(proxy, grpc_call("/pkg.Greeter/Hello", oip::grpc_frame("hi")));
    EXPECT_EQ(answer.status, 200U);
    EXPECT_FALSE(answer.reset);
    EXPECT_EQ(answer.header("content-type"), "application/grpc");
    EXPECT_EQ(answer.body, oip::grpc_frame(message));
    EXPECT_EQ(trailer(answer, "grpc-status"), "0");
    EXPECT_EQ(trailer(answer, "grpc-message"), "all good");
    EXPECT_TRUE(answer.header("grpc-status").empty());
    ASSERT_EQ(production.request_count(), 1U);
    EXPECT_EQ(production.requests().front().body, oip::grpc_frame("hi"));
}

TEST(H2GrpcListener, TrailersOnlyAnswerIsOneHeadersFrame) {
    fake_h2_upstream production{[](const received_request&) {
        h2_reply reply;
        reply.headers = {{"content-type", "application/grpc"},
                         {"grpc-status", "5"},
                         {"grpc-message", "no such model"}};
        reply.body.clear();
        return reply;
    }};
    proxy_process proxy{h2c_config(production.url())};
    ASSERT_TRUE(proxy.ready());
    const auto answer = call_one(proxy, grpc_call("/pkg.Greeter/Hello", oip::grpc_frame("hi")));
    EXPECT_EQ(answer.status, 200U);
    EXPECT_TRUE(answer.closed);
    EXPECT_FALSE(answer.reset);
    EXPECT_EQ(answer.header("grpc-status"), "5");
    EXPECT_EQ(answer.header("grpc-message"), "no such model");
    EXPECT_TRUE(answer.body.empty());
    EXPECT_TRUE(answer.trailers.empty());
}

TEST(H2GrpcListener, GrpcTimeoutGivesDeadlineExceeded) {
    fake_h2_upstream production{[](const received_request&) {
        h2_reply reply = grpc_reply("late");
        reply.delay = 2000ms;
        return reply;
    }};
    proxy_process proxy{h2c_config(production.url())};
    ASSERT_TRUE(proxy.ready());
    const auto started = std::chrono::steady_clock::now();
    const auto answer = call_one(
        proxy, grpc_call("/pkg.Greeter/Hello", oip::grpc_frame("hi"), {{"grpc-timeout", "200m"}}));
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(answer.status, 200U);
    EXPECT_EQ(answer.header("content-type"), "application/grpc");
    EXPECT_EQ(answer.header("grpc-status"), "4");
    EXPECT_FALSE(answer.header("grpc-message").empty());
    EXPECT_TRUE(answer.body.empty());
    // The 200 ms deadline, not production's 5 s timeout nor the fake's 2 s delay, ended it.
    EXPECT_LT(elapsed, 1500ms);
}

TEST(H2GrpcListener, ALongerGrpcTimeoutIsCappedByProductionsTimeout) {
    fake_h2_upstream production{[](const received_request&) {
        h2_reply reply = grpc_reply("late");
        reply.delay = 2000ms;
        return reply;
    }};
    proxy_process proxy{"production: {url: \"" + production.url() +
                        "\", protocol: h2c, timeout_ms: 200}\n"};
    ASSERT_TRUE(proxy.ready());
    const auto started = std::chrono::steady_clock::now();
    const auto answer = call_one(
        proxy, grpc_call("/pkg.Greeter/Hello", oip::grpc_frame("hi"), {{"grpc-timeout", "30S"}}));
    EXPECT_EQ(answer.header("grpc-status"), "4");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
}

TEST(H2GrpcListener, UnreachableProductionGivesUnavailable) {
    proxy_process proxy{h2c_config("http://127.0.0.1:" + std::to_string(free_port()))};
    ASSERT_TRUE(proxy.ready());
    const auto answer = call_one(proxy, grpc_call("/pkg.Greeter/Hello", oip::grpc_frame("hi")));
    EXPECT_EQ(answer.status, 200U);
    EXPECT_EQ(answer.header("content-type"), "application/grpc");
    EXPECT_EQ(answer.header("grpc-status"), "14");
    EXPECT_FALSE(answer.header("grpc-message").empty());
    EXPECT_TRUE(answer.body.empty());
}

TEST(H2GrpcListener, StreamingCallPassesThroughButIsNotMirrored) {
    fake_h2_upstream production{[](const received_request&) { return grpc_reply("ok"); }};
    fake_h2_upstream shadow{[](const received_request&) { return grpc_reply("ok"); }};
    proxy_process proxy{h2c_config(production.url(), "shadows:\n  - {name: cand, url: \"" +
                                                         shadow.url() + "\", protocol: h2c}\n")};
    ASSERT_TRUE(proxy.ready());
    const std::string two = oip::grpc_frame("a") + oip::grpc_frame("b");
    const auto streamed = call_one(proxy, grpc_call("/pkg.Chat/Stream", two));
    EXPECT_EQ(streamed.body, oip::grpc_frame("ok"));
    EXPECT_EQ(trailer(streamed, "grpc-status"), "0");
    const auto unary = call_one(proxy, grpc_call("/pkg.Chat/Say", oip::grpc_frame("a")));
    EXPECT_EQ(trailer(unary, "grpc-status"), "0");
    ASSERT_TRUE(wait_until([&] { return shadow.request_count() >= 1; }, 5s));
    EXPECT_TRUE(wait_until(
        [&] {
            return proxy.metric(
                       R"(shadowproxy_mirror_dropped_total{shadow="cand",reason="streaming_rpc"})") ==
                   1.0;
        },
        5s));
    EXPECT_EQ(production.request_count(), 2U);
    EXPECT_EQ(shadow.request_count(), 1U);
    EXPECT_EQ(shadow.requests().front().target, "/pkg.Chat/Say");
}

TEST(H2GrpcListener, ModelInferIsMirroredAndItsTensorsCompared) {
    fake_h2_upstream production{[](const received_request&) { return infer_reply(false); }};
    fake_h2_upstream shadow{[](const received_request&) { return infer_reply(true); }};
    proxy_process proxy{h2c_config(production.url(), "shadows:\n  - {name: cand, url: \"" +
                                                         shadow.url() +
                                                         "\", protocol: h2c}\n"
                                                         "compare: {float_abs_tolerance: 0.01}\n")};
    ASSERT_TRUE(proxy.ready());
    const auto answer = call_one(proxy, grpc_call(model_infer, infer_request()));
    EXPECT_EQ(answer.status, 200U);
    EXPECT_EQ(answer.body, infer_reply(false).body);
    EXPECT_EQ(trailer(answer, "grpc-status"), "0");
    const json record = proxy.record_of(answer.header("x-request-id"));
    EXPECT_EQ(record["outcome"], "match") << record.dump();
    EXPECT_EQ(record["production"]["grpc_status"], 0);
    EXPECT_EQ(record["shadow"]["grpc_status"], 0);
}

}  // namespace
}  // namespace shadowproxy::testing
