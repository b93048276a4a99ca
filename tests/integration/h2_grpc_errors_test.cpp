// The proxy's own answers to gRPC calls over HTTP/2 (README "gRPC"): a refusal the proxy makes
// itself (413, 431, 405, 400) reaches a client whose request is `content-type: application/grpc`
// as a trailers-only gRPC status (HTTP 200, grpc-status, grpc-message with the JSON answer's
// words) instead of a JSON body, while other requests keep the JSON; and production failing
// after its answer's head was relayed ends a gRPC call with trailers (grpc-status 14) rather than
// only a reset.
#include <gtest/gtest.h>

#include <string>

#include "shadowproxy/oip/grpc_message.hpp"
#include "support/fake_h2_upstream.hpp"
#include "support/h2_client.hpp"
#include "support/proxy_process.hpp"
#include "support/stream_upstream.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

h2_request grpc_call(std::string method = "POST", std::string body = oip::grpc_frame("hi")) {
    h2_request r;
    r.method = std::move(method);
    r.path = "/pkg.Greeter/Hello";
    r.body = std::move(body);
    r.headers = {{"content-type", "application/grpc"}, {"te", "trailers"}};
    return r;
}

h2_response call_one(const proxy_process& proxy, const h2_request& request) {
    h2_connection connection{proxy.port()};
    EXPECT_TRUE(connection.connected()) << connection.error();
    auto answers = connection.exchange({request});
    return answers.empty() ? h2_response{} : answers.front();
}

std::string config(const std::string& production_url, const std::string& limits) {
    return "production: {name: prod, url: \"" + production_url +
           "\", protocol: h2c, timeout_ms: 5000}\nlimits: {" + limits + "}\n";
}

// A trailers-only gRPC answer with this status and message, and nothing of a JSON body.
void expect_grpc_status(const h2_response& answer, const std::string& status,
                        const std::string& message) {
    EXPECT_EQ(answer.status, 200U);
    EXPECT_TRUE(answer.closed);
    EXPECT_EQ(answer.header("content-type"), "application/grpc");
    EXPECT_EQ(answer.header("grpc-status"), status);
    EXPECT_EQ(answer.header("grpc-message"), message);
    EXPECT_FALSE(answer.header("x-request-id").empty());
    EXPECT_TRUE(answer.body.empty()) << answer.body;
    EXPECT_TRUE(answer.trailers.empty());
}

fake_h2_upstream grpc_production() {
    return fake_h2_upstream{[](const received_request&) {
        h2_reply reply;
        reply.headers = {{"content-type", "application/grpc"}};
        reply.body = oip::grpc_frame("ok");
        reply.trailers = {{"grpc-status", "0"}};
        return reply;
    }};
}

TEST(H2GrpcErrors, BodyTooLargeIsResourceExhausted) {
    auto production = grpc_production();
    proxy_process proxy{config(production.url(), "max_body_bytes: 64")};
    ASSERT_TRUE(proxy.ready());
    const auto answer = call_one(proxy, grpc_call("POST", oip::grpc_frame(std::string(1000, 'x'))));
    expect_grpc_status(answer, "8", "request body too large");
    EXPECT_EQ(production.request_count(), 0U);
    EXPECT_EQ(proxy.metric("shadowproxy_requests_total{upstream=\"proxy\",code=\"413\"}"), 1.0);
}

TEST(H2GrpcErrors, TooManyHeaderFieldsIsResourceExhausted) {
    auto production = grpc_production();
    proxy_process proxy{config(production.url(), "max_header_fields: 8")};
    ASSERT_TRUE(proxy.ready());
    auto call = grpc_call();
    for (int i = 0; i < 10; ++i) {
        call.headers.emplace_back("x-extra-" + std::to_string(i), "v");
    }
    expect_grpc_status(call_one(proxy, call), "8", "too many request header fields");
    EXPECT_EQ(production.request_count(), 0U);
}

TEST(H2GrpcErrors, RefusedMethodIsUnimplemented) {
    auto production = grpc_production();
    proxy_process proxy{config(production.url(), "max_body_bytes: 1024")};
    ASSERT_TRUE(proxy.ready());
    const auto answer = call_one(proxy, grpc_call("TRACE", {}));
    EXPECT_EQ(answer.header("grpc-status"), "12");
    EXPECT_FALSE(answer.header("grpc-message").empty());
    EXPECT_TRUE(answer.body.empty()) << answer.body;
    EXPECT_EQ(production.request_count(), 0U);
}

TEST(H2GrpcErrors, MalformedRequestIsInternal) {
    auto production = grpc_production();
    proxy_process proxy{config(production.url(), "allowed_methods: [POST]")};
    ASSERT_TRUE(proxy.ready());
    const auto answer = call_one(proxy, grpc_call("PUT"));
    EXPECT_EQ(answer.status, 200U);
    EXPECT_EQ(answer.header("grpc-status"), "13");
    EXPECT_FALSE(answer.header("grpc-message").empty());
    EXPECT_TRUE(answer.body.empty()) << answer.body;
    EXPECT_EQ(production.request_count(), 0U);
}

TEST(H2GrpcErrors, OtherRequestsKeepTheJsonError) {
    auto production = grpc_production();
    proxy_process proxy{config(production.url(), "max_body_bytes: 64")};
    ASSERT_TRUE(proxy.ready());
    auto call = grpc_call("POST", std::string(1000, 'x'));
    call.headers = {{"content-type", "application/json"}};
    const auto answer = call_one(proxy, call);
    EXPECT_EQ(answer.status, 413U);
    EXPECT_EQ(answer.header("content-type"), "application/json");
    EXPECT_NE(answer.body.find("request body too large"), std::string::npos) << answer.body;
    EXPECT_TRUE(answer.header("grpc-status").empty());
}

// Production (HTTP/1.1 here, so that the test can cut its body) sends 10 bytes of its answer and
// closes: chunked, as a gRPC server's answer has no length, or with a content-length of 100.
stream_upstream cut_production(bool sized = false) {
    return stream_upstream{[sized](const std::string&, stream_connection& out) {
        const std::string framing =
            sized ? "content-length: 100\r\n" : "transfer-encoding: chunked\r\n";
        out.write("HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\n" + framing + "\r\n");
        if (sized) {
            out.write(std::string(10, 'x'));
        } else {
            out.write_chunk(std::string(10, 'x'));
        }
        return false;
    }};
}

TEST(H2GrpcErrors, ProductionFailingMidBodyEndsTheCallWithUnavailable) {
    auto production = cut_production();
    proxy_process proxy{"production: {name: prod, url: \"" + production.url() +
                        "\", timeout_ms: 5000}\n"};
    ASSERT_TRUE(proxy.ready());
    const auto answer = call_one(proxy, grpc_call());
    EXPECT_EQ(answer.status, 200U);
    EXPECT_TRUE(answer.closed);
    EXPECT_FALSE(answer.reset) << answer.reset_code;
    EXPECT_EQ(answer.body, std::string(10, 'x'));
    EXPECT_EQ(answer.trailer("grpc-status"), "14");
    EXPECT_FALSE(answer.trailer("grpc-message").empty());
}

// A client checks DATA against a relayed content-length: a shorter body with trailers would be
// malformed, so such a call is reset as before.
TEST(H2GrpcErrors, ProductionFailingMidBodyOfASizedAnswerResets) {
    auto production = cut_production(true);
    proxy_process proxy{"production: {name: prod, url: \"" + production.url() +
                        "\", timeout_ms: 5000}\n"};
    ASSERT_TRUE(proxy.ready());
    const auto answer = call_one(proxy, grpc_call());
    EXPECT_EQ(answer.status, 200U);
    EXPECT_TRUE(answer.reset);
    EXPECT_TRUE(answer.trailers.empty());
}

TEST(H2GrpcErrors, OtherRequestsFailingMidBodyAreStillReset) {
    auto production = cut_production();
    proxy_process proxy{"production: {name: prod, url: \"" + production.url() +
                        "\", timeout_ms: 5000}\n"};
    ASSERT_TRUE(proxy.ready());
    auto call = grpc_call();
    call.headers = {{"content-type", "application/octet-stream"}};
    const auto answer = call_one(proxy, call);
    EXPECT_EQ(answer.status, 200U);
    EXPECT_TRUE(answer.reset);
    EXPECT_TRUE(answer.trailers.empty());
}

}  // namespace
}  // namespace shadowproxy::testing
