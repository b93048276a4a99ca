// Production path, README (Configuration): every error the proxy produces itself, provoked for
// real. Each answer carries the JSON body {"error": ..., "request_id": ...} and the proxy keeps
// serving.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::string production_at(const std::string& url, const std::string& extra = {}) {
    return "production: {name: model-v1, url: \"" + url + "\"}\n" + extra;
}

// The body of the first response in raw bytes (after the blank line, up to the end).
std::string raw_body(const std::string& raw) {
    const auto end = raw.find("\r\n\r\n");
    return end == std::string::npos ? std::string{} : raw.substr(end + 4);
}

// The proxy's own error body: {"error": "...", "request_id": "..."}, both non-empty strings.
::testing::AssertionResult is_error_body(const std::string& body) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        return ::testing::AssertionFailure() << "not a JSON object: " << body;
    }
    if (!json.contains("error") || !json["error"].is_string() ||
        json["error"].get<std::string>().empty()) {
        return ::testing::AssertionFailure() << "no error text: " << body;
    }
    if (!json.contains("request_id") || !json["request_id"].is_string() ||
        json["request_id"].get<std::string>().empty()) {
        return ::testing::AssertionFailure() << "no request_id: " << body;
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult still_serves(unsigned short port) {
    const auto response = http_get(port, "/after");
    if (response.status != 200) {
        return ::testing::AssertionFailure()
               << "follow-up request got " << response.status << " " << response.error;
    }
    return ::testing::AssertionSuccess();
}

struct malformed_case {
    std::string label;
    std::string bytes;
    unsigned status;
};

// Names the case in test listings (gtest would otherwise print the raw bytes).
void PrintTo(const malformed_case& c, std::ostream* out) {
    *out << c.label;
}

class ProxyMalformed : public ::testing::TestWithParam<malformed_case> {};

TEST_P(ProxyMalformed, AnsweredWithJsonErrorAndClosed) {
    const auto& c = GetParam();
    fake_upstream production;
    proxy_process proxy{production_at(production.url(), "limits: {max_body_bytes: 1024}\n")};
    ASSERT_TRUE(proxy.ready());

    const auto started = steady_clock::now();
    const auto raw = raw_exchange(proxy.port(), c.bytes, milliseconds(5000));
    // raw_exchange only returns before its timeout when the proxy closed the connection.
    EXPECT_LT(steady_clock::now() - started, milliseconds(3000)) << "connection left open";
    ASSERT_EQ(first_status(raw), c.status) << raw;
    EXPECT_NE(raw.find("\r\nConnection: close\r\n"), std::string::npos) << raw;
    EXPECT_NE(raw.find("\r\nContent-Type: application/json\r\n"), std::string::npos) << raw;
    EXPECT_TRUE(is_error_body(raw_body(raw)));
    EXPECT_EQ(production.request_count(), 0U);
    EXPECT_TRUE(still_serves(proxy.port()));
}

std::string big_header_request() {
    return "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20 * 1024, 'a') + "\r\n\r\n";
}

std::string big_body_request() {
    return "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n" +
           std::string(4096, 'b');
}

std::string big_chunked_request() {
    std::string out = "POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 4; ++i) {
        out += "400\r\n" + std::string(1024, 'c') + "\r\n";
    }
    return out + "0\r\n\r\n";
}

INSTANTIATE_TEST_SUITE_P(
    Requests, ProxyMalformed,
    ::testing::Values(malformed_case{"BadRequestLine", "THIS IS NOT HTTP\r\nHost: x\r\n\r\n", 400},
                      malformed_case{"MissingVersion", "GET /\r\nHost: x\r\n\r\n", 400},
                      malformed_case{"ContentLengthAndChunked",
                                     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                                     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                                     400},
                      malformed_case{"DifferingContentLengths",
                                     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                                     "Content-Length: 4\r\n\r\nabcd",
                                     400},
                      malformed_case{"ObsFold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n",
                                     400},
                      malformed_case{"HeadersTooLarge", big_header_request(), 431},
                      malformed_case{"BodyTooLargeByLength", big_body_request(), 413},
                      malformed_case{"BodyTooLargeChunked", big_chunked_request(), 413}),
    [](const auto& test) { return test.param.label; });

TEST(ProxyErrors, ProductionOnClosedPortGives502) {
    proxy_process proxy{production_at("http://127.0.0.1:" + std::to_string(closed_port()))};
    ASSERT_TRUE(proxy.ready());

    const auto response = http_request(proxy.port(), "POST", "/predict", "{}");
    EXPECT_EQ(response.status, 502U) << response.error;
    EXPECT_EQ(response.header("Content-Type"), "application/json");
    EXPECT_TRUE(is_error_body(response.body));
    const auto json = nlohmann::json::parse(response.body, nullptr, false);
    EXPECT_EQ(json.value("request_id", ""), response.header("X-Request-Id"));
    EXPECT_EQ(proxy.metric(R"(shadowproxy_requests_total{upstream="model-v1",code="502"})"), 1.0);
}

TEST(ProxyErrors, ClientRequestIdAppearsInErrorBody) {
    proxy_process proxy{production_at("http://127.0.0.1:" + std::to_string(closed_port()))};
    ASSERT_TRUE(proxy.ready());

    const auto response =
        http_request(proxy.port(), "GET", "/", {}, {{"X-Request-Id", "client-chosen-7"}});
    ASSERT_EQ(response.status, 502U) << response.error;
    EXPECT_EQ(response.header("X-Request-Id"), "client-chosen-7");
    const auto json = nlohmann::json::parse(response.body, nullptr, false);
    EXPECT_EQ(json.value("request_id", ""), "client-chosen-7");
}

TEST(ProxyErrors, SlowProductionGives504WithinTimeout) {
    fake_upstream production{[](const received_request& request) {
        reply r;
        r.delay = request.target == "/slow" ? milliseconds(3000) : milliseconds(0);
        return r;
    }};
    proxy_process timed{"production: {name: model-v1, url: \"" + production.url() +
                        "\", timeout_ms: 200}\n"};
    ASSERT_TRUE(timed.ready());

    const auto started = steady_clock::now();
    const auto response = http_get(timed.port(), "/slow");
    const auto elapsed = steady_clock::now() - started;
    EXPECT_EQ(response.status, 504U) << response.error;
    EXPECT_TRUE(is_error_body(response.body));
    EXPECT_GE(elapsed, milliseconds(180));
    EXPECT_LT(elapsed, milliseconds(1500));
    EXPECT_TRUE(still_serves(timed.port()));
}

TEST(ProxyErrors, OverMaxConnectionsGets503AndClosedThenRecovers) {
    fake_upstream production;
    proxy_process proxy{production_at(production.url(), "limits: {max_connections: 2}\n")};
    ASSERT_TRUE(proxy.ready());

    auto first = std::make_unique<http_connection>(proxy.port());
    auto second = std::make_unique<http_connection>(proxy.port());
    // A request on each proves both were accepted and count against the limit.
    ASSERT_EQ(first->send("GET", "/1").status, 200U);
    ASSERT_EQ(second->send("GET", "/2").status, 200U);

    const auto started = steady_clock::now();
    const auto raw =
        raw_exchange(proxy.port(), "GET /3 HTTP/1.1\r\nHost: x\r\n\r\n", milliseconds(5000));
    EXPECT_LT(steady_clock::now() - started, milliseconds(3000)) << "third connection left open";
    ASSERT_EQ(first_status(raw), 503U) << raw;
    EXPECT_TRUE(is_error_body(raw_body(raw)));
    EXPECT_EQ(production.request_count(), 2U);

    first.reset();
    second.reset();
    EXPECT_TRUE(wait_until([&] { return http_get(proxy.port(), "/again").status == 200; },
                           milliseconds(3000), "a new connection is served"));
}

TEST(ProxyErrors, IdleKeepAliveConnectionClosedAfterIdleTimeout) {
    fake_upstream production;
    proxy_process proxy{production_at(production.url(), "limits: {idle_timeout_ms: 300}\n")};
    ASSERT_TRUE(proxy.ready());

    const auto started = steady_clock::now();
    const auto raw =
        raw_exchange(proxy.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", milliseconds(5000));
    const auto elapsed = steady_clock::now() - started;
    EXPECT_EQ(first_status(raw), 200U) << raw;
    EXPECT_GE(elapsed, milliseconds(250));
    EXPECT_LT(elapsed, milliseconds(2000)) << "idle connection not closed";
}

TEST(ProxyErrors, StalePooledConnectionIsRetriedOnce) {
    // Production answers as HTTP/1.1 keep-alive but closes right after, without saying so.
    fake_upstream production{[](const received_request&) {
        reply r;
        r.action = reply::kind::raw;
        r.raw_bytes =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Content-Length: 16\r\n\r\n{\"prediction\":1}";
        return r;
    }};
    proxy_process proxy{production_at(production.url())};
    ASSERT_TRUE(proxy.ready());

    http_connection client{proxy.port()};
    for (int i = 0; i < 5; ++i) {
        const auto response = client.send("POST", "/predict", "{}");
        ASSERT_EQ(response.status, 200U) << "request " << i << ": " << response.error;
        EXPECT_EQ(response.body, R"({"prediction":1})");
    }
    EXPECT_EQ(production.request_count(), 5U);
    EXPECT_EQ(production.connections(), 5U);
    EXPECT_EQ(proxy.metric(R"(shadowproxy_requests_total{upstream="model-v1",code="200"})"), 5.0);
}

}  // namespace
}  // namespace shadowproxy::testing
