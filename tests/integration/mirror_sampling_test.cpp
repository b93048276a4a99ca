// Which requests reach a shadow, docs/config.md, docs/operations.md: sample_rate, sample_key, the
// match filter, and the eligible/sent counters.
#include <gtest/gtest.h>

#include <set>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

std::string one_shadow(const fake_upstream& production, const fake_upstream& shadow,
                       const std::string& shadow_extra) {
    return "production: {url: \"" + production.url() + "\"}\nshadows:\n  - name: s\n    url: \"" +
           shadow.url() + "\"\n" + shadow_extra;
}

// Sent counts a copy when it leaves the queue: once the queue is empty and every sent copy has
// its record, the counters are final. Returns the final sent count.
std::size_t settled_sent(const proxy_process& proxy) {
    std::size_t sent = 0;
    EXPECT_TRUE(wait_until(
        [&] {
            const auto m = proxy.metrics();
            sent = static_cast<std::size_t>(m.at(R"(shadowproxy_mirror_sent_total{shadow="s"})"));
            return m.at(R"(shadowproxy_mirror_queue_depth{shadow="s"})") == 0 &&
                   proxy.records().size() == sent;
        },
        5s, "queue empty and one record per sent copy"));
    return sent;
}

TEST(MirrorSampling, RateZeroSendsNothing) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{one_shadow(production, shadow, "    sample_rate: 0\n")};
    ASSERT_TRUE(proxy.ready());
    http_connection client{proxy.port()};
    for (int i = 0; i < 20; ++i) {
        ASSERT_EQ(client.send("POST", "/predict", "{}").status, 200U);
    }
    EXPECT_EQ(proxy.metric(R"(shadowproxy_mirror_eligible_total{shadow="s"})"), 20);
    EXPECT_EQ(proxy.metric(R"(shadowproxy_mirror_sent_total{shadow="s"})"), 0);
    EXPECT_EQ(shadow.request_count(), 0U);
    EXPECT_EQ(shadow.connections(), 0U);
    EXPECT_TRUE(proxy.records().empty());
}

TEST(MirrorSampling, HalfRateMirrorsAboutHalf) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{one_shadow(production, shadow, "    sample_rate: 0.5\n")};
    ASSERT_TRUE(proxy.ready());
    http_connection client{proxy.port()};
    constexpr int total = 400;
    for (int i = 0; i < total; ++i) {
        ASSERT_EQ(client.send("POST", "/predict", "{}").status, 200U);
    }
    EXPECT_EQ(proxy.metric(R"(shadowproxy_mirror_eligible_total{shadow="s"})"), total);
    const std::size_t sent = settled_sent(proxy);
    EXPECT_GE(sent, 0.3 * total);
    EXPECT_LE(sent, 0.7 * total);
    EXPECT_EQ(shadow.request_count(), sent);
}

TEST(MirrorSampling, MatchFilterOnMethodAndPathPrefix) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{one_shadow(production, shadow,
                                   "    match: {methods: [POST], path_prefixes: [\"/predict\", "
                                   "\"/v2/score\"]}\n")};
    ASSERT_TRUE(proxy.ready());
    http_connection client{proxy.port()};
    ASSERT_EQ(client.send("POST", "/predict/a", "{}").status, 200U);
    ASSERT_EQ(client.send("POST", "/v2/score?x=1", "{}").status, 200U);
    ASSERT_EQ(client.send("POST", "/other", "{}").status, 200U);
    ASSERT_EQ(client.send("GET", "/predict").status, 200U);
    ASSERT_EQ(client.send("POST", "/v2/other", "{}").status, 200U);
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 2; }, 5s, "two records"));
    EXPECT_EQ(proxy.metric(R"(shadowproxy_mirror_eligible_total{shadow="s"})"), 2);
    EXPECT_EQ(production.request_count(), 5U);
    ASSERT_EQ(shadow.request_count(), 2U);
    EXPECT_EQ(shadow.requests()[0].target, "/predict/a");
    EXPECT_EQ(shadow.requests()[1].target, "/v2/score?x=1");
}

TEST(MirrorSampling, WritesMirroredOnlyWhenListed) {
    fake_upstream production;
    fake_upstream defaults;
    fake_upstream writes;
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\nshadows:\n" +
                        "  - {name: defaults, url: \"" + defaults.url() + "\"}\n" +
                        "  - {name: writes, url: \"" + writes.url() +
                        "\", match: {methods: [PUT, DELETE]}}\n"};
    ASSERT_TRUE(proxy.ready());
    http_connection client{proxy.port()};
    ASSERT_EQ(client.send("PUT", "/items/1", R"({"v":1})").status, 200U);
    ASSERT_EQ(client.send("DELETE", "/items/1").status, 200U);
    ASSERT_EQ(client.send("GET", "/items/1").status, 200U);
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 3; }, 5s, "three records"));
    ASSERT_EQ(writes.request_count(), 2U);
    EXPECT_EQ(writes.requests()[0].method, "PUT");
    EXPECT_EQ(writes.requests()[0].body, R"({"v":1})");
    EXPECT_EQ(writes.requests()[1].method, "DELETE");
    ASSERT_EQ(defaults.request_count(), 1U);
    EXPECT_EQ(defaults.requests()[0].method, "GET");
    EXPECT_EQ(proxy.metric(R"(shadowproxy_mirror_eligible_total{shadow="defaults"})"), 1);
    EXPECT_EQ(proxy.metric(R"(shadowproxy_mirror_eligible_total{shadow="writes"})"), 2);
}

// The users one proxy process mirrors, each user sending two requests with fresh request ids.
std::set<std::string> sampled_users(const std::string& config, const fake_upstream& shadow,
                                    int users) {
    proxy_process proxy{config};
    EXPECT_TRUE(proxy.ready());
    const std::size_t before = shadow.request_count();
    http_connection client{proxy.port()};
    for (int round = 0; round < 2; ++round) {
        for (int user = 0; user < users; ++user) {
            EXPECT_EQ(
                client
                    .send("POST", "/predict", "{}", {{"X-User-Id", "user-" + std::to_string(user)}})
                    .status,
                200U);
        }
    }
    const std::size_t sent = settled_sent(proxy);
    EXPECT_EQ(shadow.request_count() - before, sent);
    std::set<std::string> out;
    const auto seen = shadow.requests();
    std::map<std::string, int> per_user;
    for (std::size_t i = before; i < seen.size(); ++i) {
        out.insert(seen[i].header("X-User-Id"));
        ++per_user[seen[i].header("X-User-Id")];
    }
    for (const auto& [user, count] : per_user) {
        EXPECT_EQ(count, 2) << user << " must be sampled on every request or none";
    }
    return out;
}

TEST(MirrorSampling, HeaderKeySamplesTheSameUsersInEveryProcess) {
    fake_upstream production;
    fake_upstream shadow;
    const std::string config =
        one_shadow(production, shadow, "    sample_rate: 0.5\n    sample_key: header:X-User-Id\n");
    constexpr int users = 100;
    const auto first = sampled_users(config, shadow, users);
    const auto second = sampled_users(config, shadow, users);
    EXPECT_EQ(first, second);
    EXPECT_GE(first.size(), 25U);
    EXPECT_LE(first.size(), 75U);
}

}  // namespace
}  // namespace shadowproxy::testing
