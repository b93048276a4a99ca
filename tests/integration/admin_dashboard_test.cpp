// The dashboard at `/` (docs/operations.md) in a real browser: headless Chromium loads the page
// from a proxy with live traffic, lets its polling script run, and the DOM says the charts were
// drawn with data. Skipped when Chromium is not installed.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "common/regex_pattern.hpp"
#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {

using shadowproxy::test_support::regex_pattern;

namespace {

using namespace std::chrono_literals;

std::string run(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return out;
    }
    char buffer[4096];
    while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) {
        out.append(buffer, n);
    }
    ::pclose(pipe);
    return out;
}

long attribute(const std::string& dom, const std::string& name) {
    const auto m = regex_pattern(name + "=\"([0-9]+)\"").search(dom);
    if (!m.empty()) {
        return std::stol(m[1]);
    }
    return -1;
}

TEST(AdminDashboard, HeadlessChromiumDrawsChartsWithLiveData) {
    const std::string browser = run("command -v chromium chromium-browser 2>/dev/null | head -1");
    if (browser.empty()) {
        GTEST_SKIP() << "chromium not installed (apt-get install chromium): the dashboard was "
                        "not checked in a browser";
    }
    fake_upstream production;
    fake_upstream shadow{[](const received_request&) {
        reply r;
        r.body = R"({"prediction":0})";
        r.delay = 2ms;
        return r;
    }};
    proxy_process proxy{"production: {name: model-v1, url: \"" + production.url() +
                        "\"}\nshadows:\n  - {name: model-v2, url: \"" + shadow.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready());

    std::atomic<bool> stop{false};
    std::thread traffic([&] {
        http_connection connection{proxy.port()};
        while (!stop.load()) {
            connection.send("POST", "/predict", R"({"x":1})");
            std::this_thread::sleep_for(5ms);
        }
    });
    ASSERT_TRUE(wait_until([&] { return shadow.request_count() > 5; }, 5s, "mirrored traffic"));

    const std::string profile = proxy.dir() + "/chromium-profile";
    const std::string command =
        "timeout 90 " + browser.substr(0, browser.find('\n')) +
        " --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking"
        " --disable-component-update --disable-sync --user-data-dir=" +
        profile +
        " --virtual-time-budget=5000 --window-size=1400,1000 --dump-dom http://127.0.0.1:" +
        std::to_string(proxy.admin_port()) + "/ 2>/dev/null";
    const std::string dom = run(command);
    stop = true;
    traffic.join();

    ASSERT_NE(dom.find("<canvas"), std::string::npos) << "no page from chromium:\n" << dom;
    EXPECT_GE(attribute(dom, "data-polls"), 2) << dom.substr(0, 400);
    EXPECT_GT(attribute(dom, "data-points"), 4) << dom.substr(0, 400);
    EXPECT_NE(dom.find("model-v2"), std::string::npos);
    EXPECT_NE(dom.find("min_agreement"), std::string::npos);
}

}  // namespace
}  // namespace shadowproxy::testing
