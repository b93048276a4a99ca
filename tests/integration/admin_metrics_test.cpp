// Admin listener and /metrics (docs/operations.md, docs/report.md): methods, health, the exposition
// passing promtool on live output, and counters that move by exactly the requests sent.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

std::string one_shadow(const fake_upstream& production, const fake_upstream& shadow,
                       const std::string& extra = {}) {
    return "production: {name: model-v1, url: \"" + production.url() +
           "\"}\nshadows:\n  - {name: model-v2, url: \"" + shadow.url() + "\"}\n" + extra;
}

// Runs a shell command line, returning its exit status and combined output.
std::pair<int, std::string> shell(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) {
        return {-1, "popen failed"};
    }
    char buffer[4096];
    while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) {
        out.append(buffer, n);
    }
    const int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

double comparisons(const proxy_process& proxy) {
    double total = 0;
    for (const auto& [key, value] : proxy.metrics()) {
        if (key.rfind("shadowproxy_comparisons_total{", 0) == 0) {
            total += value;
        }
    }
    return total;
}

TEST(AdminListener, AnswersHealthReadinessAndRefusesWrites) {
    fake_upstream production;
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready());

    const auto health = http_get(proxy.admin_port(), "/healthz");
    EXPECT_EQ(health.status, 200U);
    EXPECT_EQ(health.body, "ok\n");
    EXPECT_EQ(http_get(proxy.admin_port(), "/readyz").status, 200U);
    EXPECT_EQ(http_get(proxy.admin_port(), "/nope").status, 404U);
    const auto head = http_request(proxy.admin_port(), "HEAD", "/metrics");
    EXPECT_EQ(head.status, 200U);
    EXPECT_TRUE(head.body.empty());

    for (const std::string method : {"POST", "PUT", "DELETE", "PATCH"}) {
        const auto refused = http_request(proxy.admin_port(), method, "/metrics", "x=1");
        EXPECT_EQ(refused.status, 405U) << method;
        EXPECT_EQ(refused.header("Allow"), "GET, HEAD") << method;
    }
    const auto stats = http_get(proxy.admin_port(), "/stats?pretty=1");
    EXPECT_EQ(stats.status, 200U);
    EXPECT_EQ(stats.header("Content-Type"), "application/json");
    const auto page = http_get(proxy.admin_port(), "/");
    EXPECT_EQ(page.status, 200U);
    EXPECT_NE(page.body.find("<canvas"), std::string::npos);
}

TEST(AdminListener, ReadinessIs503WhileDraining) {
    fake_upstream production{[](const received_request&) {
        reply r;
        r.delay = 1500ms;
        return r;
    }};
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready());
    std::thread slow([&] { EXPECT_EQ(http_get(proxy.port(), "/slow").status, 200U); });
    ASSERT_TRUE(wait_until([&] { return production.request_count() == 1; }, 5s, "in flight"));
    proxy.signal(SIGTERM);
    EXPECT_TRUE(wait_until([&] { return http_get(proxy.admin_port(), "/readyz").status == 503; },
                           1s, "readyz 503"));
    EXPECT_EQ(http_get(proxy.admin_port(), "/healthz").status, 200U);
    slow.join();
    EXPECT_EQ(proxy.wait_exit(10s), 0);
}

TEST(AdminMetrics, ExpositionPassesPromtoolAfterTraffic) {
    const auto probe = shell("command -v promtool");
    if (probe.first != 0) {
        GTEST_SKIP() << "promtool not installed (Debian package prometheus): cannot check the "
                        "exposition format";
    }
    fake_upstream production;
    fake_upstream shadow{[](const received_request&) {
        reply r;
        r.body = R"({"prediction":0})";
        return r;
    }};
    proxy_process proxy{
        one_shadow(production, shadow, "features: {pointer: /features, names: [age, income]}\n")};
    ASSERT_TRUE(proxy.ready());
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(
            http_request(proxy.port(), "POST", "/predict", R"({"features":[30, null]})").status,
            200U);
    }
    http_request(proxy.port(), "GET", "/missing-body");
    ASSERT_TRUE(wait_until([&] { return comparisons(proxy) == 11; }, 5s, "11 comparisons"));

    const auto metrics = http_get(proxy.admin_port(), "/metrics");
    ASSERT_EQ(metrics.status, 200U);
    EXPECT_EQ(metrics.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    const std::string path = proxy.dir() + "/metrics.txt";
    std::ofstream(path) << metrics.body;
    const auto [status, output] = shell("promtool check metrics < " + path);
    EXPECT_EQ(status, 0) << output << "\n--- exposition ---\n" << metrics.body;
}

TEST(AdminMetrics, CountersAndHistogramsMoveByExactlyTheRequestsSent) {
    fake_upstream production;
    fake_upstream shadow;
    fake_upstream idle_shadow;
    proxy_process proxy{"production: {name: model-v1, url: \"" + production.url() +
                        "\"}\nshadows:\n  - {name: model-v2, url: \"" + shadow.url() +
                        "\"}\n  - {name: idle, url: \"" + idle_shadow.url() +
                        "\", match: {path_prefixes: [/never]}}\n"};
    ASSERT_TRUE(proxy.ready());
    const auto before = proxy.metrics();
    EXPECT_EQ(before.count(R"(shadowproxy_mirror_queue_depth{shadow="idle"})"), 1U);
    EXPECT_EQ(before.count(R"(shadowproxy_mirror_queue_depth{shadow="model-v2"})"), 1U);

    constexpr int sent = 17;
    http_connection connection{proxy.port()};
    for (int i = 0; i < sent; ++i) {
        ASSERT_EQ(connection.send("POST", "/predict", R"({"x":1})").status, 200U);
    }
    ASSERT_TRUE(wait_until([&] { return comparisons(proxy) == sent; }, 5s, "comparisons"));
    const auto after = proxy.metrics();
    auto delta = [&](const std::string& key) {
        const auto b = before.find(key);
        const auto a = after.find(key);
        return (a == after.end() ? 0.0 : a->second) - (b == before.end() ? 0.0 : b->second);
    };
    EXPECT_EQ(delta(R"(shadowproxy_requests_total{upstream="model-v1",code="200"})"), sent);
    EXPECT_EQ(delta(R"(shadowproxy_requests_total{upstream="model-v2",code="200"})"), sent);
    EXPECT_EQ(delta(R"(shadowproxy_upstream_latency_seconds_count{upstream="model-v1"})"), sent);
    EXPECT_EQ(delta(R"(shadowproxy_upstream_latency_seconds_count{upstream="model-v2"})"), sent);
    EXPECT_EQ(
        delta(R"(shadowproxy_upstream_latency_seconds_bucket{upstream="model-v1",le="+Inf"})"),
        sent);
    EXPECT_EQ(delta(R"(shadowproxy_upstream_latency_seconds_bucket{upstream="model-v1",le="10"})"),
              sent);
    EXPECT_EQ(delta(R"(shadowproxy_mirror_eligible_total{shadow="model-v2"})"), sent);
    EXPECT_EQ(delta(R"(shadowproxy_mirror_sent_total{shadow="model-v2"})"), sent);
    EXPECT_EQ(delta(R"(shadowproxy_comparisons_total{shadow="model-v2",outcome="match"})"), sent);
    EXPECT_EQ(delta(R"(shadowproxy_mirror_eligible_total{shadow="idle"})"), 0);
    EXPECT_EQ(after.at(R"(shadowproxy_mirror_queue_depth{shadow="idle"})"), 0);
    EXPECT_EQ(after.at(R"(shadowproxy_mirror_queue_depth{shadow="model-v2"})"), 0);
    EXPECT_EQ(after.at(R"(shadowproxy_upstream_errors_total{upstream="model-v2",error="timeout"})"),
              0);
    EXPECT_EQ(after.at(R"(shadowproxy_config_reloads_total{result="failure"})"), 0);
}

TEST(AdminMetrics, FeatureMissingAndNullCounters) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{
        one_shadow(production, shadow, "features: {pointer: /features, names: [age, income]}\n")};
    ASSERT_TRUE(proxy.ready());
    // age: present 4 times, null once; income: null twice, missing (array too short) twice.
    for (const std::string body :
         {R"({"features":[30, null]})", R"({"features":[31, null]})", R"({"features":[32]})",
          R"({"features":[null]})", R"({"features":[33, 1000]})"}) {
        ASSERT_EQ(http_request(proxy.port(), "POST", "/predict", body).status, 200U);
    }
    ASSERT_TRUE(wait_until([&] { return comparisons(proxy) == 5; }, 5s, "comparisons"));
    const auto m = proxy.metrics();
    EXPECT_EQ(m.at(R"(shadowproxy_feature_missing_total{feature="age"})"), 0);
    EXPECT_EQ(m.at(R"(shadowproxy_feature_null_total{feature="age"})"), 1);
    EXPECT_EQ(m.at(R"(shadowproxy_feature_missing_total{feature="income"})"), 2);
    EXPECT_EQ(m.at(R"(shadowproxy_feature_null_total{feature="income"})"), 2);
}

}  // namespace
}  // namespace shadowproxy::testing
