// Shadow failures, docs/records.md: a dead, garbage-answering, resetting or too-slow shadow becomes
// a `shadow_error` record with the matching `error`; the client never notices.
#include <gtest/gtest.h>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

struct failure_case {
    std::string name;
    reply::kind action;
    std::string raw_bytes;
    std::chrono::milliseconds delay;
    bool dead;
    std::string error;
};

// Names the case in test listings (gtest would otherwise print the raw bytes).
void PrintTo(const failure_case& c, std::ostream* out) {
    *out << c.name;
}

class MirrorShadowErrors : public ::testing::TestWithParam<failure_case> {};

TEST_P(MirrorShadowErrors, RecordedAsShadowError) {
    const auto& c = GetParam();
    fake_upstream production;
    fake_upstream shadow{[&](const received_request&) {
        reply r;
        r.action = c.action;
        r.raw_bytes = c.raw_bytes;
        r.delay = c.delay;
        return r;
    }};
    const std::string shadow_url =
        c.dead ? "http://127.0.0.1:" + std::to_string(closed_port()) : shadow.url();
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\nshadows:\n" +
                        "  - {name: s, url: \"" + shadow_url +
                        "\", timeout_ms: 300, connect_timeout_ms: 300}\n"};
    ASSERT_TRUE(proxy.ready());
    http_connection client{proxy.port()};
    for (int i = 0; i < 3; ++i) {
        const auto start = std::chrono::steady_clock::now();
        const auto response = client.send("POST", "/predict", R"({"features":[1]})");
        EXPECT_EQ(response.status, 200U);
        EXPECT_EQ(response.body, R"({"prediction":1})");
        EXPECT_LT(std::chrono::steady_clock::now() - start, 250ms);
    }
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 3; }, 5s, "three records"));
    for (const auto& record : proxy.records()) {
        EXPECT_EQ(record["outcome"], "shadow_error") << record.dump();
        EXPECT_EQ(record["shadow"]["error"], c.error) << record.dump();
        EXPECT_TRUE(record["shadow"]["prediction"].is_null());
        EXPECT_EQ(record["production"]["status"], 200);
        EXPECT_TRUE(record["production"]["error"].is_null());
    }
    EXPECT_EQ(proxy.metric(R"(shadowproxy_comparisons_total{shadow="s",outcome="shadow_error"})"),
              3);
    EXPECT_EQ(
        proxy.metric("shadowproxy_upstream_errors_total{upstream=\"s\",error=\"" + c.error + "\"}"),
        3);
}

INSTANTIATE_TEST_SUITE_P(
    Failures, MirrorShadowErrors,
    ::testing::Values(
        failure_case{"dead", reply::kind::normal, "", 0ms, true, "connect_failed"},
        failure_case{"garbage", reply::kind::raw, "this is not HTTP at all\r\n\r\n\x01\x02", 0ms,
                     false, "bad_response"},
        failure_case{"bad_framing", reply::kind::raw,
                     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello", 0ms,
                     false, "bad_response"},
        failure_case{"reset", reply::kind::reset, "", 0ms, false, "reset"},
        failure_case{"closed", reply::kind::close, "", 0ms, false, "reset"},
        failure_case{"truncated", reply::kind::raw,
                     "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"pred", 0ms, false, "reset"},
        failure_case{"timeout", reply::kind::normal, "", 2000ms, false, "timeout"},
        failure_case{"never", reply::kind::never, "", 0ms, false, "timeout"}),
    [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace shadowproxy::testing
