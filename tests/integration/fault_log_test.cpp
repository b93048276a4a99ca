// Faults in the record log: a log that cannot be written (/dev/full) never reaches the client;
// every record is counted as dropped, and the error is logged at most about once a second.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

int count_lines_with(const std::string& text, const std::string& needle) {
    std::istringstream lines(text);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
        n += line.find(needle) != std::string::npos ? 1 : 0;
    }
    return n;
}

TEST(FaultLog, DevFullDropsRecordsCountsThemAndLogsRarely) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{"production: {name: model-v1, url: \"" + production.url() + "\"}\n" +
                        "shadows:\n  - {name: model-v2, url: \"" + shadow.url() + "\"}\n" +
                        "log: {path: /dev/full}\n"};
    ASSERT_TRUE(proxy.ready());

    constexpr int requests = 40;
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < requests; ++i) {
        const auto response = http_request(proxy.port(), "POST", "/predict", R"({"x":1})");
        ASSERT_EQ(response.status, 200U) << response.error;
        EXPECT_EQ(response.body, R"({"prediction":1})");
        std::this_thread::sleep_for(50ms);  // spread over ~2 s to see the rate limit at work
    }
    const char* dropped = "shadowproxy_log_records_dropped_total";
    EXPECT_TRUE(wait_until([&] { return proxy.metric(dropped) >= requests; }, 3s))
        << proxy.metric(dropped);
    EXPECT_EQ(proxy.metric(dropped), requests);
    EXPECT_EQ(proxy.metric("shadowproxy_log_records_written_total"), 0.0);
    EXPECT_EQ(proxy.metric("shadowproxy_mirror_eligible_total{shadow=\"model-v2\"}"), requests);

    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const int error_lines = count_lines_with(proxy.stderr_text(), "comparison log /dev/full");
    EXPECT_GE(error_lines, 1);
    EXPECT_LE(error_lines, static_cast<int>(seconds) + 2) << proxy.stderr_text();
    EXPECT_EQ(proxy.stop(), 0);
}

}  // namespace
}  // namespace shadowproxy::testing
