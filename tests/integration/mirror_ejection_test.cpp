// Dead shadows are ejected (shadows[].eject_after_failures): after consecutive connect
// failures or timeouts the copies are dropped as shadow_ejected, the gauge says 1, one log line
// says so, and when the shadow answers again a probe copy brings it back.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

const std::string ejected_dropped =
    "shadowproxy_mirror_dropped_total{shadow=\"model-v2\",reason=\"shadow_ejected\"}";
const std::string ejected_gauge = "shadowproxy_shadow_ejected{shadow=\"model-v2\"}";

std::size_t count_lines_with(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + 1)) {
        ++n;
    }
    return n;
}

TEST(MirrorEjection, ADeadShadowPortIsEjectedAndItsCopiesDropped) {
    fake_upstream production;
    proxy_process proxy{"production: {name: model-v1, url: \"" + production.url() +
                        "\"}\nshadows:\n  - {name: model-v2, url: \"http://127.0.0.1:" +
                        std::to_string(closed_port()) + "\", eject_after_failures: 3}\n"};
    ASSERT_TRUE(proxy.ready());
    EXPECT_EQ(proxy.metric(ejected_gauge), 0);
    // Sequential requests: each copy fails to connect before the next one is offered, unless
    // the proxy is slower than the client; keep sending until the shadow is ejected.
    int sent = 0;
    while (sent < 200 && proxy.metric(ejected_gauge) != 1) {
        EXPECT_EQ(http_request(proxy.port(), "POST", "/predict", "{}").status, 200U);
        ++sent;
        if (sent % 5 == 0) {
            std::this_thread::sleep_for(20ms);
        }
    }
    ASSERT_EQ(proxy.metric(ejected_gauge), 1);
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(http_request(proxy.port(), "POST", "/predict", "{}").status, 200U);
        ++sent;
    }
    EXPECT_GE(proxy.metric(ejected_dropped), 15);
    const std::string label = "{shadow=\"model-v2\"}";
    EXPECT_TRUE(wait_until(
        [&] {
            return proxy.metric("shadowproxy_mirror_sent_total" + label) +
                       proxy.metric(ejected_dropped) ==
                   proxy.metric("shadowproxy_mirror_eligible_total" + label);
        },
        5s, "sent + dropped == eligible"));
    EXPECT_EQ(proxy.metric("shadowproxy_mirror_eligible_total" + label), sent);
    for (const auto& record : proxy.records()) {
        EXPECT_EQ(record["shadow"]["error"], "connect_failed") << record.dump();
    }
    EXPECT_EQ(count_lines_with(proxy.stderr_text(), "shadow model-v2 ejected"), 1U);
}

TEST(MirrorEjection, AShadowThatAnswersAgainRecoversThroughAProbe) {
    fake_upstream production;
    std::atomic<bool> alive{false};
    fake_upstream shadow{[&](const received_request&) {
        reply r;
        if (!alive.load()) {
            r.action = reply::kind::never;
        }
        return r;
    }};
    proxy_process proxy{"production: {name: model-v1, url: \"" + production.url() +
                        "\"}\nshadows:\n  - {name: model-v2, url: \"" + shadow.url() +
                        "\", timeout_ms: 100, eject_after_failures: 2}\n"};
    ASSERT_TRUE(proxy.ready());
    ASSERT_TRUE(wait_until(
        [&] {
            http_request(proxy.port(), "POST", "/predict", "{}");
            return proxy.metric(ejected_gauge) == 1;
        },
        10s, "ejected after two timeouts"));
    alive.store(true);
    // The first probe goes 1 s after the ejection; a copy offered then is the probe.
    ASSERT_TRUE(wait_until(
        [&] {
            http_request(proxy.port(), "POST", "/predict", "{}");
            return proxy.metric(ejected_gauge) == 0;
        },
        10s, "recovered after a probe"));
    const auto before = proxy.metric(ejected_dropped);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(http_request(proxy.port(), "POST", "/predict", "{}").status, 200U);
    }
    EXPECT_EQ(proxy.metric(ejected_dropped), before);
    const auto log = proxy.stderr_text();
    EXPECT_EQ(count_lines_with(log, "shadow model-v2 ejected"), 1U);
    EXPECT_EQ(count_lines_with(log, "shadow model-v2 recovered"), 1U);
}

}  // namespace
}  // namespace shadowproxy::testing
