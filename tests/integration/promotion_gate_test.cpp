// A promotion gate that can be trusted, end to end: a shadow answering HTTP 500 to half the
// requests must be held by `report --config` (exit 1), by /stats and by the dashboard, however
// well its other answers agree.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/shell.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

constexpr int requests = 200;

const nlohmann::json& criterion(const nlohmann::json& promotion, const std::string& name) {
    for (const auto& c : promotion["criteria"]) {
        if (c["name"] == name) {
            return c;
        }
    }
    static const nlohmann::json none;
    ADD_FAILURE() << "no criterion " << name << " in " << promotion.dump();
    return none;
}

TEST(PromotionGate, ShadowAnsweringHalfWith500IsHeldEverywhere) {
    fake_upstream production;
    std::atomic<int> calls{0};
    fake_upstream shadow{[&](const received_request&) {
        reply r;
        if (calls.fetch_add(1) % 2 == 1) {
            r.status = 500;
            r.body = R"({"error":"model crashed"})";
        }
        return r;
    }};
    proxy_process proxy{"production: {name: model-v1, url: \"" + production.url() + "\"}\n" +
                        "shadows:\n  - {name: model-v2, url: \"" + shadow.url() + "\"}\n" +
                        "promotion: {min_requests: 100, min_agreement: 0.9, "
                        "max_shadow_p95_ms: 1000, max_shadow_error_rate: 0.01}\n"};
    ASSERT_TRUE(proxy.ready());
    http_connection client{proxy.port()};
    for (int i = 0; i < requests; ++i) {
        ASSERT_EQ(client.send("POST", "/predict", R"({"x":1})").status, 200U);
    }
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == requests; }, 10s,
                           "every request recorded"));

    const auto stats = nlohmann::json::parse(http_get(proxy.admin_port(), "/stats").body);
    const auto& s = stats["shadows"][0];
    EXPECT_DOUBLE_EQ(s["error_rate"]["shadow"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(s["transport_error_rate"]["shadow"].get<double>(), 0.0);
    EXPECT_EQ(s["server_errors"]["shadow"], requests / 2);
    EXPECT_DOUBLE_EQ(s["status_mismatch_rate"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(s["agreement"]["rate"].get<double>(), 1.0);  // the answers that came agree
    EXPECT_EQ(s["promotion"]["passed"], false);
    EXPECT_EQ(criterion(s["promotion"], "max_status_mismatch_rate")["passed"], false);
    EXPECT_EQ(criterion(s["promotion"], "max_shadow_error_rate")["passed"], false);
    EXPECT_EQ(proxy.metric("shadowproxy_status_mismatches_total{shadow=\"model-v2\"}"),
              requests / 2);
    EXPECT_EQ(proxy.metric("shadowproxy_shadow_server_errors_total{shadow=\"model-v2\"}"),
              requests / 2);

    if (have_tool("chromium")) {
        const auto dom = run_shell(
            "timeout 90 chromium --headless --no-sandbox --disable-gpu --no-first-run "
            "--disable-background-networking --disable-component-update --disable-sync "
            "--user-data-dir=" +
                shell_quote(proxy.dir() + "/chromium-profile") +
                " --virtual-time-budget=3000 --window-size=1400,1000 --dump-dom "
                "http://127.0.0.1:" +
                std::to_string(proxy.admin_port()) + "/ 2>/dev/null",
            120);
        EXPECT_NE(dom.output.find("data-verdict=\"HOLD\""), std::string::npos)
            << dom.output.substr(0, 600);
        EXPECT_NE(dom.output.find("HOLD"), std::string::npos);
        EXPECT_NE(dom.output.find("max_status_mismatch_rate"), std::string::npos);
    } else {
        ADD_FAILURE() << "chromium not installed: the dashboard verdict was not checked";
    }
    EXPECT_EQ(proxy.stop(), 0);

    const auto text = run_binary({"report", "--config", proxy.config_path(), proxy.log_path()});
    EXPECT_EQ(text.exit_code, 1) << text.out << text.err;
    EXPECT_NE(text.out.find("Promotion checklist: FAIL"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("FAIL  max_status_mismatch_rate"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("FAIL  max_shadow_error_rate"), std::string::npos) << text.out;

    const auto json_run = run_binary(
        {"report", "--config", proxy.config_path(), "--format", "json", proxy.log_path()});
    EXPECT_EQ(json_run.exit_code, 1);
    const auto report = nlohmann::json::parse(json_run.out);
    const auto& r = report["shadows"][0];
    EXPECT_DOUBLE_EQ(r["error_rate"]["shadow"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(r["status_mismatch_rate"].get<double>(), 0.5);
    EXPECT_EQ(criterion(r["promotion"], "max_status_mismatch_rate")["passed"], false);
    EXPECT_EQ(criterion(r["promotion"], "max_shadow_error_rate")["passed"], false);
    EXPECT_EQ(report["defaults_applied"], false);
}

}  // namespace
}  // namespace shadowproxy::testing
