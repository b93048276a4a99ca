// HTTP/2 upstreams (protocol: h2c | h2): HTTP/1.1 clients through the proxy to an h2c or h2
// (TLS, ALPN) production get the upstream's answer byte for byte; an h2c shadow gets its copy;
// concurrent requests share a few multiplexed connections; a reset stream is a 502 / the
// shadow's "reset"; after a GOAWAY the next request opens a new connection; a large answer is
// streamed whole.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "support/fake_h2_upstream.hpp"
#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/tls_certificates.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

std::string production(const std::string& url, const std::string& protocol,
                       const std::string& extra = {}) {
    return "production: {name: prod, url: \"" + url + "\", protocol: " + protocol + extra + "}\n";
}

std::string field_of(const received_request& request, const std::string& name) {
    for (const auto& [key, value] : request.headers) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

h2_reply by_path(const received_request& request) {
    h2_reply reply;
    if (request.target == "/reset") {
        reply.reset = true;
    } else if (request.target == "/goaway") {
        reply.goaway = true;
    } else if (request.target == "/slow") {
        reply.delay = 200ms;
    } else if (request.target == "/large") {
        reply.headers = {{"content-type", "application/octet-stream"}};
        reply.body.reserve(6 * 1024 * 1024);
        for (int i = 0; reply.body.size() < 6 * 1024 * 1024; ++i) {
            reply.body += "line " + std::to_string(i) + " of a large answer\n";
        }
    } else {
        reply.headers.emplace_back("x-model", "v1");
        reply.body = R"({"prediction":1,"echo":")" + request.body + "\"}";
    }
    return reply;
}

TEST(UpstreamH2, H2cProductionAnswersByteForByte) {
    fake_h2_upstream upstream{by_path};
    proxy_process proxy{production(upstream.url(), "h2c")};
    ASSERT_TRUE(proxy.ready());
    const auto response = http_request(proxy.port(), "POST", "/predict?x=1", "abc",
                                       {{"Content-Type", "text/plain"}, {"TE", "gzip"}});
    ASSERT_EQ(response.status, 200U) << response.error << response.body;
    EXPECT_EQ(response.body, R"({"prediction":1,"echo":"abc"})");
    EXPECT_EQ(response.header("x-model"), "v1");
    ASSERT_EQ(upstream.request_count(), 1U);
    const auto request = upstream.requests().front();
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, "/predict?x=1");
    EXPECT_EQ(field_of(request, ":scheme"), "http");
    EXPECT_EQ(field_of(request, ":authority"), "127.0.0.1:" + std::to_string(upstream.port()));
    EXPECT_EQ(field_of(request, "content-type"), "text/plain");
    EXPECT_EQ(field_of(request, "te"), "");
    EXPECT_EQ(field_of(request, "connection"), "");
    EXPECT_EQ(request.body, "abc");
}

TEST(UpstreamH2, H2ProductionOverTlsWithAlpn) {
    const auto& certs = test_certificates();
    fake_h2_upstream upstream{by_path, {.tls = fake_tls{certs.server.cert, certs.server.key, {}}}};
    proxy_process proxy{production(upstream.url(), "h2", ", tls: {ca_file: " + certs.ca + "}")};
    ASSERT_TRUE(proxy.ready());
    for (int i = 0; i < 3; ++i) {
        const auto response = http_request(proxy.port(), "POST", "/predict", "tls");
        ASSERT_EQ(response.status, 200U) << response.error << response.body;
        EXPECT_EQ(response.body, R"({"prediction":1,"echo":"tls"})");
    }
    EXPECT_EQ(field_of(upstream.requests().front(), ":scheme"), "https");
    EXPECT_EQ(upstream.connections(), 1U);  // the three requests share one connection
}

TEST(UpstreamH2, H2ToATlsServerThatDoesNotSelectH2IsATlsFailure) {
    const auto& certs = test_certificates();
    fake_h2_upstream upstream{
        by_path, {.tls = fake_tls{certs.server.cert, certs.server.key, {}}, .offer_h2 = false}};
    proxy_process proxy{production(upstream.url(), "h2", ", tls: {ca_file: " + certs.ca + "}")};
    ASSERT_TRUE(proxy.ready());
    const auto response = http_get(proxy.port(), "/predict");
    EXPECT_EQ(response.status, 502U);
    EXPECT_EQ(
        proxy.metric(R"(shadowproxy_upstream_errors_total{upstream="prod",error="tls_failed"})"),
        1.0);
    EXPECT_NE(proxy.stderr_text().find("did not select HTTP/2"), std::string::npos);
}

TEST(UpstreamH2, H2cShadowGetsTheCopyAndTheRecordIsWritten) {
    fake_upstream main;
    fake_h2_upstream candidate{[](const received_request&) { return h2_reply{}; }};
    proxy_process proxy{"production: {name: prod, url: \"" + main.url() +
                        "\"}\nshadows:\n  - {name: cand, url: \"" + candidate.url() +
                        "\", protocol: h2c}\n"};
    ASSERT_TRUE(proxy.ready());
    const auto response = http_request(proxy.port(), "POST", "/predict", R"({"x":1})");
    ASSERT_EQ(response.status, 200U);
    const auto record = proxy.record_of(response.header("X-Request-Id"));
    EXPECT_EQ(record["outcome"], "match");
    EXPECT_EQ(record["shadow"]["status"], 200);
    ASSERT_EQ(candidate.request_count(), 1U);
    EXPECT_EQ(field_of(candidate.requests().front(), "x-shadow-request"), "true");
}

TEST(UpstreamH2, ConcurrentRequestsShareAFewConnections) {
    fake_h2_upstream upstream{by_path};
    proxy_process proxy{"threads: 1\n" + production(upstream.url(), "h2c")};
    ASSERT_TRUE(proxy.ready());
    constexpr int clients = 50;
    std::vector<unsigned> statuses(clients);
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) {
        threads.emplace_back([&, i] { statuses[i] = http_get(proxy.port(), "/slow", 10s).status; });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (const unsigned status : statuses) {
        EXPECT_EQ(status, 200U);
    }
    EXPECT_EQ(upstream.request_count(), static_cast<std::size_t>(clients));
    EXPECT_LE(upstream.connections(), 4U);
}

TEST(UpstreamH2, AResetStreamIsA502AndAShadowReset) {
    fake_h2_upstream upstream{by_path};
    proxy_process proxy{production(upstream.url(), "h2c") + "shadows:\n  - {name: cand, url: \"" +
                        upstream.url() + "\", protocol: h2c}\n"};
    ASSERT_TRUE(proxy.ready());
    const auto response = http_get(proxy.port(), "/reset");
    EXPECT_EQ(response.status, 502U);
    const auto record = proxy.record_of(response.header("X-Request-Id"));
    EXPECT_EQ(record["shadow"]["error"], "reset");
    EXPECT_EQ(record["production"]["error"], "reset");
    // The connection still serves the next request.
    EXPECT_EQ(http_get(proxy.port(), "/predict").status, 200U);
}

TEST(UpstreamH2, AfterGoawayTheNextRequestOpensANewConnection) {
    fake_h2_upstream upstream{by_path};
    proxy_process proxy{"threads: 1\n" + production(upstream.url(), "h2c")};
    ASSERT_TRUE(proxy.ready());
    EXPECT_EQ(http_get(proxy.port(), "/goaway").status, 200U);
    ASSERT_TRUE(wait_until([&] { return upstream.connections() == 1; }, 2s, "one connection"));
    const auto next = http_get(proxy.port(), "/predict");
    EXPECT_EQ(next.status, 200U) << next.body;
    EXPECT_EQ(upstream.connections(), 2U);
}

TEST(UpstreamH2, ALargeAnswerIsStreamedWhole) {
    fake_h2_upstream upstream{by_path};
    proxy_process proxy{production(upstream.url(), "h2c")};
    ASSERT_TRUE(proxy.ready());
    const auto response = http_get(proxy.port(), "/large", 30s);
    ASSERT_EQ(response.status, 200U) << response.error;
    EXPECT_EQ(response.body, by_path(received_request{"GET", "/large", {}, {}}).body);
}

}  // namespace
}  // namespace shadowproxy::testing
