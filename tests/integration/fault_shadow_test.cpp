// Faults on the shadow side and from clients that go away: a resetting shadow is recorded as
// `reset`, a shadow that never answers is bounded by its timeout_ms and gives its in-flight slot
// back, and a client leaving mid-request or mid-response neither crashes the proxy nor loses
// the comparison of an answer production did give.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <string>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

std::string config_with_shadow(const fake_upstream& production, const fake_upstream& shadow,
                               const std::string& shadow_extra = {}) {
    return "production: {name: model-v1, url: \"" + production.url() + "\"}\n" +
           "shadows:\n  - {name: model-v2, url: \"" + shadow.url() + "\"" + shadow_extra + "}\n";
}

const nlohmann::json* record_for(const std::vector<nlohmann::json>& records,
                                 const std::string& id) {
    for (const auto& record : records) {
        if (record.value("request_id", "") == id) {
            return &record;
        }
    }
    return nullptr;
}

TEST(FaultShadow, ResetIsRecordedAsReset) {
    fake_upstream production;
    fake_upstream shadow{[](const received_request&) {
        reply r;
        r.action = reply::kind::reset;
        return r;
    }};
    proxy_process proxy{config_with_shadow(production, shadow)};
    ASSERT_TRUE(proxy.ready());
    const auto response =
        http_request(proxy.port(), "POST", "/predict", "{}", {{"X-Request-Id", "reset-1"}});
    EXPECT_EQ(response.status, 200U);
    EXPECT_EQ(response.body, R"({"prediction":1})");
    ASSERT_TRUE(wait_until([&] { return record_for(proxy.records(), "reset-1") != nullptr; }, 3s));
    const auto records = proxy.records();
    const auto& record = *record_for(records, "reset-1");
    EXPECT_EQ(record["shadow"]["error"], "reset") << record.dump();
    EXPECT_EQ(record["outcome"], "shadow_error");
    EXPECT_EQ(record["production"]["status"], 200);
}

TEST(FaultShadow, NeverAnsweringIsBoundedByTimeoutAndFreesItsSlot) {
    fake_upstream production;
    std::atomic<bool> answer{false};
    fake_upstream shadow{[&](const received_request&) {
        reply r;
        if (!answer.load()) {
            r.action = reply::kind::never;
        }
        return r;
    }};
    proxy_process proxy{
        config_with_shadow(production, shadow, ", timeout_ms: 300, max_in_flight: 1")};
    ASSERT_TRUE(proxy.ready());

    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i) {
        const auto response = http_request(proxy.port(), "POST", "/predict", "{}",
                                           {{"X-Request-Id", "hang-" + std::to_string(i)}});
        EXPECT_EQ(response.status, 200U);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s) << "the client waited for a shadow";
    // With one slot, the three copies time out one after the other: about 0.9 s in all.
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() >= 3; }, 3s));
    for (int i = 0; i < 3; ++i) {
        const auto records = proxy.records();
        const auto* record = record_for(records, "hang-" + std::to_string(i));
        ASSERT_NE(record, nullptr) << i;
        EXPECT_EQ((*record)["shadow"]["error"], "timeout") << record->dump();
        EXPECT_LT((*record)["shadow"]["latency_ms"].get<double>(), 1000.0);
    }
    // The slot came back: an answering shadow gets the next copy and it compares as a match.
    answer = true;
    EXPECT_EQ(
        http_request(proxy.port(), "POST", "/predict", "{}", {{"X-Request-Id", "after"}}).status,
        200U);
    ASSERT_TRUE(wait_until([&] { return record_for(proxy.records(), "after") != nullptr; }, 3s));
    const auto records = proxy.records();
    EXPECT_EQ((*record_for(records, "after"))["outcome"], "match");
    EXPECT_EQ(proxy.metric("shadowproxy_mirror_queue_depth{shadow=\"model-v2\"}"), 0.0);
}

TEST(FaultClient, DisconnectMidRequestKeepsTheProxyServing) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{config_with_shadow(production, shadow)};
    ASSERT_TRUE(proxy.ready());
    for (int i = 0; i < 5; ++i) {
        // Headers promise 100 bytes, 10 arrive, then the client goes.
        raw_exchange(proxy.port(),
                     "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789",
                     50ms);
        raw_exchange(proxy.port(), "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Le", 50ms);
    }
    const auto response = http_request(proxy.port(), "POST", "/predict", "{}");
    EXPECT_EQ(response.status, 200U);
    EXPECT_EQ(production.request_count(), 1U) << "a partial request was forwarded";
}

TEST(FaultClient, DisconnectMidResponseStillComparesProductionsAnswer) {
    fake_upstream production{[](const received_request&) {
        reply r;
        r.delay = 300ms;
        return r;
    }};
    fake_upstream shadow;
    proxy_process proxy{config_with_shadow(production, shadow)};
    ASSERT_TRUE(proxy.ready());
    // The client sends a whole request and leaves before production answers.
    raw_exchange(proxy.port(),
                 "POST /predict HTTP/1.1\r\nHost: x\r\nX-Request-Id: gone-1\r\n"
                 "Content-Length: 2\r\n\r\n{}",
                 50ms);
    ASSERT_TRUE(wait_until([&] { return record_for(proxy.records(), "gone-1") != nullptr; }, 3s));
    const auto records = proxy.records();
    const auto& record = *record_for(records, "gone-1");
    EXPECT_EQ(record["production"]["status"], 200) << record.dump();
    EXPECT_EQ(record["outcome"], "match");
    EXPECT_EQ(http_request(proxy.port(), "POST", "/predict", "{}").status, 200U);
}

}  // namespace
}  // namespace shadowproxy::testing
