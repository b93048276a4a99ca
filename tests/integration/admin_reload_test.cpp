// SIGHUP reloads (docs/operations.md): new sample rates apply, an invalid file keeps the old config
// and is counted, and keep-alive client connections see no error across reloads.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

std::string config_with_rate(const fake_upstream& production, const fake_upstream& shadow,
                             const std::string& rate) {
    return "production: {name: model-v1, url: \"" + production.url() +
           "\"}\nshadows:\n  - {name: model-v2, url: \"" + shadow.url() +
           "\", sample_rate: " + rate + "}\n";
}

const std::string reload_ok = R"(shadowproxy_config_reloads_total{result="success"})";
const std::string reload_failed = R"(shadowproxy_config_reloads_total{result="failure"})";

void send_requests(const proxy_process& proxy, int count) {
    for (int i = 0; i < count; ++i) {
        ASSERT_EQ(http_request(proxy.port(), "POST", "/predict", R"({"x":1})").status, 200U);
    }
}

TEST(AdminReload, SampleRateZeroStopsMirroring) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{config_with_rate(production, shadow, "1.0")};
    ASSERT_TRUE(proxy.ready());
    send_requests(proxy, 5);
    ASSERT_TRUE(wait_until([&] { return shadow.request_count() == 5; }, 5s, "5 mirrored"));

    proxy.rewrite_config(config_with_rate(production, shadow, "0.0"));
    proxy.signal(SIGHUP);
    ASSERT_TRUE(wait_until([&] { return proxy.metric(reload_ok) == 1; }, 5s, "reload counted"));
    send_requests(proxy, 10);
    ASSERT_TRUE(wait_until(
        [&] {
            return proxy.metric(R"(shadowproxy_mirror_eligible_total{shadow="model-v2"})") == 15;
        },
        5s, "eligible counted"));
    EXPECT_EQ(shadow.request_count(), 5U);
    EXPECT_EQ(proxy.metric(R"(shadowproxy_mirror_sent_total{shadow="model-v2"})"), 5);
    EXPECT_EQ(production.request_count(), 15U);
}

TEST(AdminReload, InvalidFileKeepsTheRunningConfigAndCountsAFailure) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{config_with_rate(production, shadow, "1.0")};
    ASSERT_TRUE(proxy.ready());

    proxy.rewrite_config(config_with_rate(production, shadow, "1.0") + "mirorr: {}\n");
    proxy.signal(SIGHUP);
    ASSERT_TRUE(wait_until([&] { return proxy.metric(reload_failed) == 1; }, 5s, "failure"));
    EXPECT_EQ(proxy.metric(reload_ok), 0);
    EXPECT_NE(proxy.stderr_text().find("reload rejected, keeping the running config"),
              std::string::npos)
        << proxy.stderr_text();
    EXPECT_NE(proxy.stderr_text().find("mirorr"), std::string::npos) << proxy.stderr_text();

    // Still proxying and mirroring with the old config.
    send_requests(proxy, 3);
    ASSERT_TRUE(wait_until([&] { return shadow.request_count() == 3; }, 5s, "still mirrored"));
    EXPECT_EQ(proxy.metric(reload_failed), 1);
}

TEST(AdminReload, KeepAliveLoadAcrossTwentyReloadsHasNoErrors) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{config_with_rate(production, shadow, "1.0")};
    ASSERT_TRUE(proxy.ready());

    std::atomic<bool> stop{false};
    std::atomic<int> errors{0};
    std::vector<std::atomic<int>> sent(2);
    std::vector<std::thread> clients;
    for (std::size_t c = 0; c < sent.size(); ++c) {
        clients.emplace_back([&, c] {
            http_connection connection{proxy.port()};
            while (!stop.load()) {
                const auto response = connection.send("POST", "/predict", R"({"x":2})");
                if (response.status != 200U) {
                    ++errors;
                    return;
                }
                ++sent[c];
            }
        });
    }
    for (int i = 1; i <= 20; ++i) {
        proxy.rewrite_config(config_with_rate(production, shadow, i % 2 ? "0.5" : "1.0"));
        proxy.signal(SIGHUP);
        // The config watch may see the rewrite and reload before the SIGHUP does: one rewrite
        // can then count two reloads.
        ASSERT_TRUE(wait_until([&] { return proxy.metric(reload_ok) >= i; }, 5s, "reload"))
            << "reload " << i;
    }
    const int before = sent[0] + sent[1];
    ASSERT_TRUE(wait_until([&] { return sent[0] + sent[1] > before + 10; }, 5s, "more traffic"));
    stop = true;
    for (auto& t : clients) {
        t.join();
    }
    EXPECT_EQ(errors.load(), 0);
    EXPECT_GT(sent[0].load(), 0);
    EXPECT_GT(sent[1].load(), 0);
    EXPECT_EQ(proxy.metric(reload_failed), 0);
    // Every request the clients counted reached production exactly once.
    EXPECT_EQ(production.request_count(), static_cast<std::size_t>(sent[0] + sent[1]));
}

}  // namespace
}  // namespace shadowproxy::testing
