// Isolation, README, docs/operations.md: a slow shadow never slows the client or another shadow;
// the queue is bounded (drops counted, memory flat); oversized bodies go to production only; the
// threads doing shadow work give way to the workers on a shared core (docs/architecture.md).
#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <thread>

#include "shadowproxy/platform/thread_role.hpp"
#include "support/binaries.hpp"
#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

script delayed(std::chrono::milliseconds delay) {
    return [delay](const received_request&) {
        reply r;
        r.delay = delay;
        return r;
    };
}

// Each thread's name and scheduling policy (/proc/PID/task/TID: comm, and stat's 41st field).
std::multimap<std::string, int> thread_policies(pid_t pid) {
    std::multimap<std::string, int> policies;
    const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
    for (const auto& task : std::filesystem::directory_iterator(tasks)) {
        std::string name;
        std::getline(std::ifstream(task.path() / "comm"), name);
        std::string stat;
        std::getline(std::ifstream(task.path() / "stat"), stat);
        // After the ")" that closes the name come fields 3, 4, ...: the policy is field 41.
        std::istringstream after_name(stat.substr(stat.rfind(')') + 1));
        const std::vector<std::string> fields{std::istream_iterator<std::string>(after_name), {}};
        policies.emplace(name, fields.size() > 38 ? std::stoi(fields[38]) : -1);
    }
    return policies;
}

std::size_t records_of(const proxy_process& proxy, const std::string& shadow) {
    const auto records = proxy.records();
    return static_cast<std::size_t>(
        std::count_if(records.begin(), records.end(),
                      [&](const nlohmann::json& r) { return r["shadow"]["name"] == shadow; }));
}

TEST(MirrorIsolation, SlowShadowDoesNotSlowTheClient) {
    fake_upstream production;
    fake_upstream shadow{delayed(2000ms)};
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\nshadows:\n" +
                        "  - {name: slow, url: \"" + shadow.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready());
    http_connection client{proxy.port()};
    std::vector<double> latencies;
    for (int i = 0; i < 50; ++i) {
        const auto start = std::chrono::steady_clock::now();
        const auto response = client.send("POST", "/predict", R"({"features":[1]})");
        latencies.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count());
        ASSERT_EQ(response.status, 200U) << response.error;
        ASSERT_EQ(response.body, R"({"prediction":1})");
    }
    std::sort(latencies.begin(), latencies.end());
    const double p99 = latencies[static_cast<std::size_t>(0.99 * (latencies.size() - 1))];
    EXPECT_LT(p99, 300.0);
    EXPECT_TRUE(
        wait_until([&] { return shadow.request_count() >= 1; }, 2s, "copies at the shadow"));
}

TEST(MirrorIsolation, ShadowWorkYieldsToTheWorkers) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\nshadows:\n" +
                        "  - {name: v2, url: \"" + shadow.url() + "\"}\nthreads: 2\n"};
    ASSERT_TRUE(proxy.ready());
    // Threads name themselves once running, which may come just after the proxy answers.
    std::multimap<std::string, int> policies;
    ASSERT_TRUE(wait_until(
        [&] {
            policies = thread_policies(proxy.pid());
            return policies.count("sp-worker") == 2 && policies.count("sp-mirror") == 1 &&
                   policies.count("sp-records") == 1;
        },
        5s, "the workers, mirror thread and record writer named"));
    for (auto [it, end] = policies.equal_range("sp-worker"); it != end; ++it) {
        EXPECT_EQ(it->second, SCHED_OTHER);
    }
    // Idle while it keeps up, where the process may bring it back to SCHED_BATCH.
    EXPECT_EQ(policies.find("sp-mirror")->second,
              platform::may_leave_idle() ? SCHED_IDLE : SCHED_BATCH);
    EXPECT_EQ(policies.find("sp-records")->second, SCHED_BATCH);
}

TEST(MirrorIsolation, FastShadowRecordsFlowBesideASlowOne) {
    fake_upstream production;
    fake_upstream slow{delayed(3000ms)};
    fake_upstream fast;
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\nshadows:\n" +
                        "  - {name: slow, url: \"" + slow.url() + "\", max_in_flight: 1}\n" +
                        "  - {name: fast, url: \"" + fast.url() + "\", max_in_flight: 1}\n"};
    ASSERT_TRUE(proxy.ready());
    http_connection client{proxy.port()};
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(client.send("POST", "/predict", "{}").status, 200U);
    }
    ASSERT_TRUE(wait_until([&] { return records_of(proxy, "fast") == 10; }, 2s,
                           "every fast shadow record"));
    EXPECT_EQ(records_of(proxy, "slow"), 0U);
    EXPECT_EQ(slow.request_count(), 1U);  // one in flight, nine queued
    EXPECT_EQ(proxy.metric(R"(shadowproxy_mirror_queue_depth{shadow="slow"})"), 9);
    EXPECT_EQ(proxy.metric(R"(shadowproxy_mirror_queue_depth{shadow="fast"})"), 0);
}

TEST(MirrorIsolation, BurstOverAFullQueueDropsAndCounts) {
    fake_upstream production;
    fake_upstream shadow{delayed(100ms)};
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\nshadows:\n" +
                        "  - {name: s, url: \"" + shadow.url() + "\", max_in_flight: 1}\n" +
                        "mirror: {queue_capacity: 4}\n"};
    ASSERT_TRUE(proxy.ready());
    const std::string body(512, 'x');
    {
        http_connection warmup{proxy.port()};
        for (int i = 0; i < 20; ++i) {
            ASSERT_EQ(warmup.send("POST", "/predict", body).status, 200U);
        }
    }
    const auto settle = [&] {
        return wait_until(
            [&] {
                const auto m = proxy.metrics();
                return m.at(R"(shadowproxy_mirror_sent_total{shadow="s"})") +
                           m.at(
                               R"(shadowproxy_mirror_dropped_total{shadow="s",reason="queue_full"})") ==
                       m.at(R"(shadowproxy_mirror_eligible_total{shadow="s"})");
            },
            5s, "sent + dropped = eligible");
    };
    ASSERT_TRUE(settle());
    const long rss_before = proxy.rss_kib();

    constexpr int clients = 4;
    constexpr int per_client = 50;
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&] {
            http_connection client{proxy.port()};
            for (int i = 0; i < per_client; ++i) {
                ok += client.send("POST", "/predict", body).status == 200U ? 1 : 0;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(ok.load(), clients * per_client);
    ASSERT_TRUE(settle());
    const auto m = proxy.metrics();
    const double eligible = m.at(R"(shadowproxy_mirror_eligible_total{shadow="s"})");
    const double sent = m.at(R"(shadowproxy_mirror_sent_total{shadow="s"})");
    const double dropped =
        m.at(R"(shadowproxy_mirror_dropped_total{shadow="s",reason="queue_full"})");
    EXPECT_EQ(eligible, 20 + clients * per_client);
    EXPECT_GT(dropped, 100);
    EXPECT_EQ(sent + dropped, eligible);
    EXPECT_EQ(m.at(R"(shadowproxy_mirror_dropped_total{shadow="s",reason="body_too_large"})"), 0);
    EXPECT_EQ(m.at(R"(shadowproxy_mirror_queue_depth{shadow="s"})"), 0);
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == static_cast<std::size_t>(sent); },
                           5s, "one record per sent copy"));
    const long rss_after = proxy.rss_kib();
    // Under ASan freed chunks wait in its quarantine (256 MiB by default), so there RSS also
    // grows with the burst's allocation volume (two upstream exchanges of ~2.6 KiB and the
    // request's buffers per request), not only with what the proxy still holds.
    const long bound_kib = sanitized_binary() ? 8 * 1024 : 4 * 1024;
    EXPECT_LT(rss_after - rss_before, bound_kib) << rss_before << " KiB → " << rss_after << " KiB";
}

TEST(MirrorIsolation, OversizedBodyGoesToProductionOnly) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\nshadows:\n" +
                        "  - {name: s, url: \"" + shadow.url() + "\"}\n" +
                        "mirror: {max_body_bytes: 64}\n"};
    ASSERT_TRUE(proxy.ready());
    const std::string big(1000, 'b');
    const auto response = http_request(proxy.port(), "POST", "/predict", big);
    EXPECT_EQ(response.status, 200U);
    ASSERT_EQ(production.request_count(), 1U);
    EXPECT_EQ(production.requests()[0].body, big);
    EXPECT_EQ(http_request(proxy.port(), "POST", "/predict", "{}").status, 200U);
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 1; }, 5s, "the small one"));
    ASSERT_EQ(shadow.request_count(), 1U);
    EXPECT_EQ(shadow.requests()[0].body, "{}");
    EXPECT_EQ(
        proxy.metric(R"(shadowproxy_mirror_dropped_total{shadow="s",reason="body_too_large"})"), 1);
    EXPECT_EQ(proxy.metric(R"(shadowproxy_mirror_eligible_total{shadow="s"})"), 2);
    EXPECT_EQ(proxy.metric(R"(shadowproxy_mirror_sent_total{shadow="s"})"), 1);
}

}  // namespace
}  // namespace shadowproxy::testing
