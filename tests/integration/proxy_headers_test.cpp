// Production path, README (Configuration): what production receives (method, target, body,
// end-to-end headers, Host, X-Forwarded-*), hop-by-hop headers stripped in both directions, and
// X-Request-Id.
#include <gtest/gtest.h>

#include "common/regex_pattern.hpp"
#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"

namespace shadowproxy::testing {

using shadowproxy::test_support::regex_pattern;

namespace {

std::string production_only(const fake_upstream& production) {
    return "production: {name: model-v1, url: \"" + production.url() + "\"}\n";
}

bool is_uuid_v4(const std::string& id) {
    static const regex_pattern shape{
        "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"};
    return shape.matches(id);
}

std::size_t count_header(const header_list& headers, const std::string& name) {
    std::size_t n = 0;
    for (const auto& [key, value] : headers) {
        n += key.size() == name.size() &&
             std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
                 return std::tolower(static_cast<unsigned char>(a)) ==
                        std::tolower(static_cast<unsigned char>(b));
             });
    }
    return n;
}

TEST(ProxyRequestHeaders, EndToEndRequestReachesProductionRewrittenOnlyWhereSpecSays) {
    fake_upstream production;
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    const auto response = http_request(proxy.port(), "PUT", "/v1/models/m:predict?a=1&b=two%20x",
                                       R"({"instances":[[1,2]]})",
                                       {{"Accept", "application/json"},
                                        {"Authorization", "Bearer token"},
                                        {"X-Custom", "kept as is"},
                                        {"Cookie", "a=b"},
                                        {"X-Forwarded-For", "1.2.3.4"},
                                        {"X-Forwarded-Proto", "https"}});
    ASSERT_EQ(response.status, 200U) << response.error;
    ASSERT_EQ(production.request_count(), 1U);
    const auto seen = production.requests().front();
    EXPECT_EQ(seen.method, "PUT");
    EXPECT_EQ(seen.target, "/v1/models/m:predict?a=1&b=two%20x");
    EXPECT_EQ(seen.body, R"({"instances":[[1,2]]})");
    EXPECT_EQ(seen.header("Content-Length"), "21");
    EXPECT_EQ(seen.header("Accept"), "application/json");
    EXPECT_EQ(seen.header("Authorization"), "Bearer token");
    EXPECT_EQ(seen.header("X-Custom"), "kept as is");
    EXPECT_EQ(seen.header("Cookie"), "a=b");
    EXPECT_EQ(seen.header("Host"), "127.0.0.1:" + std::to_string(production.port()));
    EXPECT_EQ(count_header(seen.headers, "Host"), 1U);
    EXPECT_EQ(seen.header("X-Forwarded-For"), "1.2.3.4, 127.0.0.1");
    EXPECT_EQ(count_header(seen.headers, "X-Forwarded-For"), 1U);
    EXPECT_EQ(seen.header("X-Forwarded-Proto"), "http");
    EXPECT_EQ(count_header(seen.headers, "X-Forwarded-Proto"), 1U);
}

TEST(ProxyRequestHeaders, ForwardedForStartsWithClientWhenAbsent) {
    fake_upstream production;
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    ASSERT_EQ(http_get(proxy.port(), "/").status, 200U);
    ASSERT_EQ(production.request_count(), 1U);
    const auto seen = production.requests().front();
    EXPECT_EQ(seen.header("X-Forwarded-For"), "127.0.0.1");
    EXPECT_EQ(seen.body, "");
    EXPECT_FALSE(seen.has_header("Transfer-Encoding"));
}

TEST(ProxyHopByHop, RequestHopByHopHeadersNeverReachProduction) {
    fake_upstream production;
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    const auto response = http_request(proxy.port(), "POST", "/predict", "{}",
                                       {{"Connection", "keep-alive, X-Custom-Hop"},
                                        {"X-Custom-Hop", "must not pass"},
                                        {"Keep-Alive", "timeout=5"},
                                        {"Proxy-Connection", "keep-alive"},
                                        {"Proxy-Authorization", "Basic abc"},
                                        {"TE", "trailers"},
                                        {"Trailer", "X-Checksum"},
                                        {"Upgrade", "websocket"},
                                        {"X-End-To-End", "passes"}});
    ASSERT_EQ(response.status, 200U) << response.error;
    ASSERT_EQ(production.request_count(), 1U);
    const auto seen = production.requests().front();
    for (const char* name : {"Connection", "X-Custom-Hop", "Keep-Alive", "Proxy-Connection",
                             "Proxy-Authorization", "TE", "Trailer", "Upgrade"}) {
        EXPECT_FALSE(seen.has_header(name)) << name << ": " << seen.header(name);
    }
    EXPECT_EQ(seen.header("X-End-To-End"), "passes");
    EXPECT_EQ(seen.body, "{}");
}

// A chunked answer is relayed chunked, in the proxy's own framing: the upstream's
// Transfer-Encoding is stripped with the other hop-by-hop headers and the proxy sets its own.
TEST(ProxyHopByHop, ResponseHopByHopHeadersNeverReachClientAndChunkedStaysChunked) {
    fake_upstream production{[](const received_request&) {
        reply r;
        r.action = reply::kind::raw;
        r.raw_bytes =
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json\r\n"
            "Connection: X-Resp-Hop\r\n"
            "X-Resp-Hop: secret\r\n"
            "Keep-Alive: timeout=5\r\n"
            "Proxy-Connection: keep-alive\r\n"
            "Proxy-Authenticate: Basic\r\n"
            "Trailer: X-Checksum\r\n"
            "Upgrade: h2c\r\n"
            "TE: trailers\r\n"
            "X-Model: v1\r\n"
            "Transfer-Encoding: chunked\r\n"
            "\r\n"
            "6\r\n{\"a\":1\r\n"
            "1\r\n}\r\n"
            "0\r\n\r\n";
        return r;
    }};
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    const auto response = http_get(proxy.port(), "/predict");
    ASSERT_EQ(response.status, 200U) << response.error;
    EXPECT_EQ(response.body, R"({"a":1})");
    EXPECT_FALSE(response.has_header("Content-Length"));
    EXPECT_EQ(response.header("Transfer-Encoding"), "chunked");
    EXPECT_EQ(response.header("X-Model"), "v1");
    EXPECT_EQ(response.header("Content-Type"), "application/json");
    for (const char* name : {"Connection", "X-Resp-Hop", "Keep-Alive", "Proxy-Connection",
                             "Proxy-Authenticate", "Trailer", "Upgrade", "TE"}) {
        EXPECT_FALSE(response.has_header(name)) << name << ": " << response.header(name);
    }
}

TEST(ProxyRequestId, GeneratedWhenAbsentSameAtProductionAndClient) {
    fake_upstream production;
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    const auto first = http_get(proxy.port(), "/a");
    const auto second = http_get(proxy.port(), "/b");
    ASSERT_EQ(first.status, 200U) << first.error;
    ASSERT_EQ(second.status, 200U) << second.error;
    const auto id = first.header("X-Request-Id");
    EXPECT_TRUE(is_uuid_v4(id)) << id;
    EXPECT_TRUE(is_uuid_v4(second.header("X-Request-Id")));
    EXPECT_NE(id, second.header("X-Request-Id"));
    ASSERT_EQ(production.request_count(), 2U);
    const auto seen = production.requests();
    EXPECT_EQ(seen[0].header("X-Request-Id"), id);
    EXPECT_EQ(seen[1].header("X-Request-Id"), second.header("X-Request-Id"));
    EXPECT_EQ(count_header(first.headers, "X-Request-Id"), 1U);
}

TEST(ProxyRequestId, ClientIdKeptAndEchoedOverUpstreamOne) {
    fake_upstream production{[](const received_request&) {
        reply r;
        r.headers.emplace_back("X-Request-Id", "production-made-this-up");
        return r;
    }};
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    const auto response =
        http_request(proxy.port(), "POST", "/predict", "{}", {{"X-Request-Id", "client-id-42"}});
    ASSERT_EQ(response.status, 200U) << response.error;
    EXPECT_EQ(response.header("X-Request-Id"), "client-id-42");
    EXPECT_EQ(count_header(response.headers, "X-Request-Id"), 1U);
    ASSERT_EQ(production.request_count(), 1U);
    const auto seen = production.requests().front();
    EXPECT_EQ(seen.header("X-Request-Id"), "client-id-42");
    EXPECT_EQ(count_header(seen.headers, "X-Request-Id"), 1U);
}

}  // namespace
}  // namespace shadowproxy::testing
