// HTTP/2 on the listener (README "HTTP/2"): h2c with prior knowledge on the HTTP/1.1 port and h2
// through ALPN on the TLS listener, answers byte-identical to production's, concurrent streams
// on one connection, a reset or malformed stream that leaves its neighbours alone, the proxy's
// JSON errors, mirroring, a large answer relayed whole, GOAWAY on drain and the idle close.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <thread>

#include "support/fake_upstream.hpp"
#include "support/h2_client.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/tls_certificates.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t protocol_error = 1;

// Answers with the request's target and body, so each stream's answer is its own.
reply echo(const received_request& request) {
    reply r;
    r.headers = {{"Content-Type", "text/plain"}, {"X-Echo", "yes"}};
    r.body = request.method + " " + request.target + " " + request.body;
    if (request.target.starts_with("/slow")) {
        r.delay = 400ms;
    }
    return r;
}

std::string plain_config(const fake_upstream& production, const std::string& more = {}) {
    return "production: {url: \"" + production.url() + "\"}\n" + more;
}

h2_request get(const std::string& path) {
    h2_request r;
    r.path = path;
    return r;
}

h2_request post(const std::string& path, const std::string& body) {
    h2_request r;
    r.method = "POST";
    r.path = path;
    r.body = body;
    r.headers = {{"content-type", "application/json"}};
    return r;
}

TEST(H2Listener, PriorKnowledgeAnswersMatchProductionDirect) {
    fake_upstream production{echo};
    proxy_process proxy{plain_config(production)};
    ASSERT_TRUE(proxy.ready());
    h2_connection connection{proxy.port()};
    ASSERT_TRUE(connection.connected()) << connection.error();
    const auto answers = connection.exchange({get("/a?q=1"), post("/predict", R"({"x":1})")});
    const auto direct_get = http_request(production.port(), "GET", "/a?q=1");
    const auto direct_post = http_request(production.port(), "POST", "/predict", R"({"x":1})",
                                          {{"Content-Type", "application/json"}});
    ASSERT_EQ(answers.size(), 2U);
    EXPECT_EQ(answers[0].status, direct_get.status);
    EXPECT_EQ(answers[0].body, direct_get.body);
    EXPECT_EQ(answers[1].status, direct_post.status);
    EXPECT_EQ(answers[1].body, direct_post.body);
    EXPECT_EQ(answers[1].header("content-type"), "text/plain");
    EXPECT_EQ(answers[1].header("x-echo"), "yes");
    EXPECT_FALSE(answers[1].header("x-request-id").empty());
    EXPECT_EQ(connection.max_concurrent_streams(), 256U);
    // What production received through the proxy: the same request rules as HTTP/1.1.
    const auto received = production.requests();
    ASSERT_GE(received.size(), 2U);
    const auto& via_h2 = received[1].method == "POST" ? received[1] : received[0];
    EXPECT_EQ(via_h2.body, R"({"x":1})");
    EXPECT_EQ(via_h2.header("X-Forwarded-Proto"), "http");
    EXPECT_EQ(via_h2.header("X-Forwarded-Host"), "localhost");
    EXPECT_EQ(via_h2.header("X-Forwarded-For"), "127.0.0.1");
    EXPECT_EQ(via_h2.header("Content-Length"), "7");
    EXPECT_EQ(via_h2.header("X-Request-Id"), answers[1].header("x-request-id"));
    // HTTP/1.1 on the same port still works.
    EXPECT_EQ(http_get(proxy.port(), "/after").status, 200U);
}

TEST(H2Listener, TlsAlpnH2) {
    const auto& certs = test_certificates();
    fake_upstream production{echo};
    proxy_process proxy{
        "listen:\n  address: 127.0.0.1\n  port: 0\n  tls: {cert_file: " + certs.server.cert +
        ", key_file: " + certs.server.key + "}\nproduction: {url: \"" + production.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready());
    const tls_client tls{certs.ca, "localhost", {}, {}};
    h2_connection connection{proxy.port(), &tls};
    ASSERT_TRUE(connection.connected()) << connection.error();
    EXPECT_EQ(connection.alpn(), "h2");
    const auto answers = connection.exchange({get("/tls"), post("/p", "body")});
    EXPECT_EQ(answers[0].status, 200U);
    EXPECT_EQ(answers[0].body, "GET /tls ");
    EXPECT_EQ(answers[1].body, "POST /p body");
    ASSERT_EQ(production.request_count(), 2U);
    EXPECT_EQ(production.requests()[0].header("X-Forwarded-Proto"), "https");
    // An HTTP/1.1 client (ALPN http/1.1) on the same listener.
    EXPECT_EQ(https_request(proxy.port(), tls, "GET", "/h1").status, 200U);
}

TEST(H2Listener, HundredConcurrentStreamsOnOneConnection) {
    fake_upstream production{echo};
    proxy_process proxy{plain_config(production)};
    ASSERT_TRUE(proxy.ready());
    h2_connection connection{proxy.port()};
    std::vector<h2_request> requests;
    for (int i = 0; i < 100; ++i) {
        requests.push_back(i % 2 == 0 ? get("/s/" + std::to_string(i))
                                      : post("/s/" + std::to_string(i), std::to_string(i * 7)));
    }
    const auto answers = connection.exchange(requests, 20s);
    for (int i = 0; i < 100; ++i) {
        const auto expected = i % 2 == 0
                                  ? "GET /s/" + std::to_string(i) + " "
                                  : "POST /s/" + std::to_string(i) + " " + std::to_string(i * 7);
        EXPECT_EQ(answers[i].status, 200U) << i;
        EXPECT_EQ(answers[i].body, expected) << i;
    }
    EXPECT_EQ(production.request_count(), 100U);
}

TEST(H2Listener, ResetAndMalformedStreamsLeaveNeighboursAlone) {
    fake_upstream production{echo};
    proxy_process proxy{plain_config(production)};
    ASSERT_TRUE(proxy.ready());
    h2_connection connection{proxy.port()};
    auto reset = get("/slow/reset");
    reset.reset_after = 100ms;
    auto mismatch = post("/mismatch", "abc");
    mismatch.headers.emplace_back("content-length", "10");
    auto hop = get("/hop");
    hop.headers.emplace_back("connection", "keep-alive");
    auto te = post("/te", "abc");
    te.headers.emplace_back("transfer-encoding", "chunked");
    const auto answers = connection.exchange(
        {get("/slow/1"), reset, get("/slow/2"), mismatch, hop, te, post("/ok", "x")}, 10s);
    EXPECT_EQ(answers[0].body, "GET /slow/1 ");
    EXPECT_TRUE(answers[1].reset);
    EXPECT_EQ(answers[1].status, 0U);
    EXPECT_EQ(answers[2].body, "GET /slow/2 ");
    for (const std::size_t bad : {3U, 4U, 5U}) {
        EXPECT_TRUE(answers[bad].reset) << bad;
        EXPECT_EQ(answers[bad].reset_code, protocol_error) << bad;
        EXPECT_EQ(answers[bad].status, 0U) << bad;
    }
    EXPECT_EQ(answers[6].body, "POST /ok x");
    // The connection goes on.
    const auto after = connection.exchange({get("/after")});
    EXPECT_EQ(after[0].status, 200U);
    EXPECT_TRUE(connection.connected());
    for (const auto& request : production.requests()) {
        EXPECT_NE(request.target, "/mismatch");
        EXPECT_NE(request.target, "/hop");
        EXPECT_NE(request.target, "/te");
    }
}

TEST(H2Listener, ProxyErrorsAreJsonPerStream) {
    proxy_process proxy{"production: {url: \"http://127.0.0.1:" + std::to_string(closed_port()) +
                        "\"}\nlimits: {max_body_bytes: 100}\n"};
    ASSERT_TRUE(proxy.ready());
    h2_connection connection{proxy.port()};
    auto big = post("/big", std::string(200, 'x'));
    auto trace = get("/t");
    trace.method = "TRACE";
    auto with_id = get("/down");
    with_id.headers.emplace_back("x-request-id", "h2-err-1");
    const auto answers = connection.exchange({with_id, big, trace});
    EXPECT_EQ(answers[0].status, 502U);
    EXPECT_EQ(answers[0].body,
              R"({"error":"production upstream unreachable","request_id":"h2-err-1"})");
    EXPECT_EQ(answers[0].header("content-type"), "application/json");
    EXPECT_EQ(answers[1].status, 413U);
    EXPECT_NE(answers[1].body.find("request body too large"), std::string::npos);
    EXPECT_EQ(answers[2].status, 405U);
    EXPECT_FALSE(answers[2].header("allow").empty());
}

TEST(H2Listener, ShadowRecordsWrittenForH2Requests) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{"production: {url: \"" + production.url() +
                        "\"}\nshadows:\n  - {name: s, url: \"" + shadow.url() +
                        "\"}\nlog: {path: ${LOG}}\n"};
    ASSERT_TRUE(proxy.ready());
    h2_connection connection{proxy.port()};
    auto request = post("/predict", R"({"x":1})");
    request.headers.emplace_back("x-request-id", "h2-record-1");
    const auto answers = connection.exchange({request});
    EXPECT_EQ(answers[0].status, 200U);
    const auto record = proxy.record_of("h2-record-1");
    ASSERT_FALSE(record.is_null());
    EXPECT_EQ(record["outcome"], "match");
    EXPECT_EQ(record["production"]["status"], 200);
    EXPECT_EQ(record["path"], "/predict");
    EXPECT_TRUE(wait_until([&] { return shadow.request_count() == 1; }, 5s, "shadow copy"));
}

TEST(H2Listener, LargeAnswerRelayedWhole) {
    std::string large(1 << 20, '\0');
    for (std::size_t i = 0; i < large.size(); ++i) {
        large[i] = static_cast<char>('a' + i % 26);
    }
    fake_upstream production{[&](const received_request&) {
        reply r;
        r.body = large;
        return r;
    }};
    proxy_process proxy{plain_config(production)};
    ASSERT_TRUE(proxy.ready());
    h2_connection connection{proxy.port()};
    const auto answers = connection.exchange({get("/large"), get("/large2")}, 20s);
    for (const auto& answer : answers) {
        EXPECT_EQ(answer.status, 200U);
        EXPECT_EQ(answer.body.size(), large.size());
        EXPECT_TRUE(answer.body == large);
    }
}

TEST(H2Listener, DrainSendsGoawayAndFinishesStreamsInFlight) {
    fake_upstream production{echo};
    proxy_process proxy{plain_config(production)};
    ASSERT_TRUE(proxy.ready());
    h2_connection connection{proxy.port()};
    ASSERT_EQ(connection.exchange({get("/warm")})[0].status, 200U);
    std::thread stopper([&] {
        std::this_thread::sleep_for(150ms);
        proxy.signal(SIGTERM);
    });
    const auto answers = connection.exchange({get("/slow/drain")}, 10s);
    stopper.join();
    EXPECT_EQ(answers[0].status, 200U);
    EXPECT_EQ(answers[0].body, "GET /slow/drain ");
    EXPECT_TRUE(connection.wait_closed(5s));
    EXPECT_TRUE(connection.goaway_received());
    EXPECT_EQ(proxy.wait_exit(10s), 0);
}

TEST(H2Listener, SilentConnectionClosedAfterHeaderTimeout) {
    fake_upstream production;
    proxy_process proxy{plain_config(production, "limits: {header_timeout_ms: 300}\n")};
    ASSERT_TRUE(proxy.ready());
    h2_connection connection{proxy.port()};
    ASSERT_TRUE(connection.connected());
    EXPECT_TRUE(connection.wait_closed(5s));
}

}  // namespace
}  // namespace shadowproxy::testing
