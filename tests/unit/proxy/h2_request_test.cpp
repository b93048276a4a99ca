// The HTTP/2 request of one stream turned into the forwarded request (h2_request_builder) and
// production's answer head turned into HTTP/2 fields (h2_response_fields).
#include "shadowproxy/proxy/h2_request.hpp"

#include <gtest/gtest.h>

#include <string>

#include "shadowproxy/proxy/rewrite.hpp"

namespace shadowproxy::proxy {
namespace {

config::limits_config small_limits() {
    config::limits_config limits;
    limits.max_header_bytes = 400;
    limits.max_body_bytes = 10;
    limits.max_header_fields = 3;
    return limits;
}

void add_head(h2_request_builder& request, std::string_view method, std::string_view path) {
    request.add_field(":method", method, false);
    request.add_field(":scheme", "http", false);
    request.add_field(":path", path, false);
    request.add_field(":authority", "api.example:8080", false);
}

TEST(H2Request, BuildsTheForwardedRequestLikeHttp1) {
    const auto limits = small_limits();
    h2_request_builder request{limits};
    add_head(request, "POST", "/a/../predict?x=1");
    request.add_field("x-request-id", "abc-1", false);
    request.add_field("x-forwarded-for", "10.0.0.1", false);
    EXPECT_EQ(request.head_verdict().status, 0U);
    EXPECT_TRUE(request.add_body("{\"x\":1}"));
    request.add_field("grpc-status", "0", true);
    const auto verdict = request.finish("127.0.0.1", "X-Shadow-Request", true);
    ASSERT_EQ(verdict.status, 0U) << verdict.message;
    const auto forwarded = request.request();
    EXPECT_EQ(forwarded->method, "POST");
    EXPECT_EQ(forwarded->target, "/predict?x=1");
    EXPECT_EQ(forwarded->path, "/predict");
    EXPECT_EQ(forwarded->request_id, "abc-1");
    EXPECT_EQ(forwarded->body, "{\"x\":1}");
    EXPECT_EQ(request.trailer_fields(), 1U);
    EXPECT_NE(forwarded->headers.find("X-Forwarded-For: 10.0.0.1, 127.0.0.1\r\n"),
              std::string::npos);
    EXPECT_NE(forwarded->headers.find("X-Forwarded-Host: api.example:8080\r\n"), std::string::npos);
    EXPECT_NE(forwarded->headers.find("X-Forwarded-Proto: https\r\n"), std::string::npos);
    EXPECT_NE(forwarded->headers.find("Content-Length: 7\r\n"), std::string::npos);
    EXPECT_EQ(forwarded->headers.find("grpc-status"), std::string::npos);
}

TEST(H2Request, LimitsAndRules) {
    const auto limits = small_limits();
    {
        h2_request_builder request{limits};
        add_head(request, "GET", "/");
        request.add_field("x-big", std::string(400, 'a'), false);
        EXPECT_EQ(request.head_verdict().status, 431U);
    }
    {
        h2_request_builder request{limits};
        add_head(request, "GET", "/");
        for (int i = 0; i < 4; ++i) {
            request.add_field("x-f", "1", false);
        }
        EXPECT_EQ(request.head_verdict().status, 431U);
    }
    {
        h2_request_builder request{limits};
        add_head(request, "POST", "/");
        request.add_field("content-length", "11", false);
        EXPECT_EQ(request.head_verdict().status, 413U);
        EXPECT_FALSE(request.add_body("01234567890"));
    }
    {
        h2_request_builder request{limits};
        add_head(request, "TRACE", "/");
        const auto verdict = request.finish("127.0.0.1", "X-Shadow-Request", false);
        EXPECT_EQ(verdict.status, 405U);
        EXPECT_EQ(verdict.allow, "GET, HEAD, POST, PUT, DELETE, OPTIONS");
    }
    {
        h2_request_builder request{limits};
        add_head(request, "GET", "/../../etc");
        EXPECT_EQ(request.finish("127.0.0.1", "X-Shadow-Request", false).status, 400U);
    }
}

TEST(H2Response, FieldsLowerCasedHopByHopDropped) {
    net::response_head head;
    head.status = 201;
    head.fields.add("Content-Type", "application/json");
    head.fields.add("Content-Length", "2");
    head.fields.add("Connection", "X-Private");
    head.fields.add("X-Private", "1");
    head.fields.add("Keep-Alive", "timeout=5");
    head.fields.add("Transfer-Encoding", "chunked");
    head.fields.add("X-Request-Id", "upstream-id");
    const auto fields = h2_response_fields(head, "rid");
    ASSERT_TRUE(fields.has_value());
    const std::vector<std::pair<std::string, std::string>> expected{
        {"content-type", "application/json"}, {"content-length", "2"}, {"x-request-id", "rid"}};
    EXPECT_EQ(*fields, expected);
    head.status = 101;
    EXPECT_FALSE(h2_response_fields(head, "rid").has_value());
}

}  // namespace
}  // namespace shadowproxy::proxy
