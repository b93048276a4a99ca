// The admin write endpoints: pause, resume and sample_rate per shadow behind the bearer token
// of admin.token_file (401 without it, 404 when no token file is configured or the shadow is
// unknown), their state in /stats and /metrics, its survival across reloads, and
// admin.protect_reads.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string token = "s3cret-token";
const header_list good{{"Authorization", "Bearer " + token}};
const header_list bad{{"Authorization", "Bearer wrong"}};
const std::string paused_metric = R"(shadowproxy_shadow_paused{shadow="model-v2"})";
const std::string override_metric = R"(shadowproxy_shadow_sample_rate_override{shadow="model-v2"})";

// The token file lives outside the proxy's directory: it must exist before the proxy starts.
class token_file {
public:
    token_file() { std::ofstream(path_) << token << "\n"; }
    ~token_file() {
        std::error_code ignored;
        fs::remove(path_, ignored);
    }
    const std::string& path() const { return path_; }

private:
    std::string path_ = (fs::temp_directory_path() /
                         ("shadowproxy-token-" + std::to_string(::getpid()) + "-" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                            .string();
};

std::string config(const fake_upstream& production, const fake_upstream& shadow,
                   const std::string& admin_extra) {
    return "production: {name: model-v1, url: \"" + production.url() +
           "\"}\nshadows:\n  - {name: model-v2, url: \"" + shadow.url() +
           "\"}\nadmin: {address: 127.0.0.1, port: ${ADMIN_PORT}" + admin_extra + "}\n";
}

nlohmann::json shadow_stats(const proxy_process& proxy, const header_list& headers = {}) {
    const auto response = http_request(proxy.admin_port(), "GET", "/stats", {}, headers);
    EXPECT_EQ(response.status, 200U) << response.body;
    return nlohmann::json::parse(response.body, nullptr, false)["shadows"][0];
}

void send_requests(const proxy_process& proxy, int count) {
    for (int i = 0; i < count; ++i) {
        ASSERT_EQ(http_request(proxy.port(), "POST", "/predict", R"({"x":1})").status, 200U);
    }
}

TEST(AdminControl, PauseResumeAndSampleRateNeedTheToken) {
    token_file token_path;
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{config(production, shadow, ", token_file: \"" + token_path.path() + "\"")};
    ASSERT_TRUE(proxy.ready()) << proxy.stderr_text();
    const auto admin = proxy.admin_port();

    EXPECT_EQ(http_request(admin, "POST", "/shadows/model-v2/pause").status, 401U);
    EXPECT_EQ(http_request(admin, "POST", "/shadows/model-v2/pause", {}, bad).status, 401U);
    EXPECT_EQ(http_request(admin, "POST", "/shadows/nope/pause", {}, good).status, 404U);
    EXPECT_EQ(http_request(admin, "POST", "/shadows/nope/pause", {}, bad).status, 401U);
    EXPECT_EQ(http_request(admin, "GET", "/shadows/model-v2/pause", {}, good).status, 405U);
    EXPECT_EQ(http_request(admin, "PUT", "/shadows/model-v2/sample_rate", "1.5", good).status,
              400U);
    EXPECT_EQ(http_request(admin, "PUT", "/shadows/model-v2/sample_rate", "half", good).status,
              400U);
    // Reads stay open without protect_reads.
    EXPECT_EQ(http_get(admin, "/stats").status, 200U);
    EXPECT_FALSE(shadow_stats(proxy)["paused"].get<bool>());

    const auto paused = http_request(admin, "POST", "/shadows/model-v2/pause", {}, good);
    ASSERT_EQ(paused.status, 200U) << paused.body;
    EXPECT_EQ(nlohmann::json::parse(paused.body)["paused"], true);
    EXPECT_TRUE(shadow_stats(proxy)["paused"].get<bool>());
    EXPECT_EQ(proxy.metric(paused_metric), 1);
    send_requests(proxy, 4);
    EXPECT_EQ(production.request_count(), 4U);
    // Paused copies are not eligible: eligible = sent + dropped holds while paused.
    EXPECT_EQ(proxy.metric(R"(shadowproxy_mirror_eligible_total{shadow="model-v2"})"), 0);
    EXPECT_EQ(shadow.request_count(), 0U);

    const auto resumed = http_request(admin, "POST", "/shadows/model-v2/resume", {}, good);
    ASSERT_EQ(resumed.status, 200U) << resumed.body;
    EXPECT_FALSE(shadow_stats(proxy)["paused"].get<bool>());
    EXPECT_EQ(proxy.metric(paused_metric), 0);
    send_requests(proxy, 2);
    ASSERT_TRUE(wait_until([&] { return shadow.request_count() == 2; }, 5s, "mirrored again"));

    const auto rate = http_request(admin, "PUT", "/shadows/model-v2/sample_rate", "0\n", good);
    ASSERT_EQ(rate.status, 200U) << rate.body;
    auto stats = shadow_stats(proxy);
    EXPECT_EQ(stats["sample_rate_override"], 0.0);
    EXPECT_EQ(stats["sample_rate"], 1.0);
    EXPECT_EQ(proxy.metric(override_metric), 0);
    EXPECT_TRUE(proxy.metrics().contains(override_metric));
    send_requests(proxy, 3);
    EXPECT_EQ(proxy.metric(R"(shadowproxy_mirror_eligible_total{shadow="model-v2"})"), 5);
    EXPECT_EQ(shadow.request_count(), 2U);

    const auto log = proxy.stderr_text();
    EXPECT_NE(log.find("admin: shadow model-v2 paused"), std::string::npos) << log;
    EXPECT_NE(log.find("admin: shadow model-v2 resumed"), std::string::npos) << log;
    EXPECT_NE(log.find("admin: shadow model-v2 sample_rate set to 0"), std::string::npos) << log;
}

TEST(AdminControl, PauseAndOverrideSurviveReloadsUntilResumed) {
    token_file token_path;
    fake_upstream production;
    fake_upstream shadow;
    const std::string text =
        config(production, shadow, ", token_file: \"" + token_path.path() + "\"");
    proxy_process proxy{text};
    ASSERT_TRUE(proxy.ready()) << proxy.stderr_text();
    const auto admin = proxy.admin_port();
    ASSERT_EQ(http_request(admin, "PUT", "/shadows/model-v2/sample_rate", "0.25", good).status,
              200U);
    ASSERT_EQ(http_request(admin, "POST", "/shadows/model-v2/pause", {}, good).status, 200U);

    proxy.rewrite_config(text + "# an edit\n");
    proxy.signal(SIGHUP);
    ASSERT_TRUE(wait_until(
        [&] { return proxy.metric(R"(shadowproxy_config_reloads_total{result="success"})") == 1; },
        5s, "reloaded"));
    auto stats = shadow_stats(proxy);
    EXPECT_TRUE(stats["paused"].get<bool>());
    EXPECT_EQ(stats["sample_rate_override"], 0.25);
    send_requests(proxy, 2);
    EXPECT_EQ(shadow.request_count(), 0U);

    // Resume returns to the configured state: not paused, the config's sample_rate.
    ASSERT_EQ(http_request(admin, "POST", "/shadows/model-v2/resume", {}, good).status, 200U);
    stats = shadow_stats(proxy);
    EXPECT_FALSE(stats["paused"].get<bool>());
    EXPECT_TRUE(stats["sample_rate_override"].is_null());
    EXPECT_FALSE(proxy.metrics().contains(override_metric));
    send_requests(proxy, 2);
    ASSERT_TRUE(wait_until([&] { return shadow.request_count() == 2; }, 5s, "mirrored again"));
}

TEST(AdminControl, WithoutATokenFileTheWriteEndpointsDoNotExist) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{"production: {url: \"" + production.url() +
                        "\"}\nshadows:\n  - {name: model-v2, url: \"" + shadow.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready()) << proxy.stderr_text();
    EXPECT_EQ(http_request(proxy.admin_port(), "POST", "/shadows/model-v2/pause").status, 404U);
    EXPECT_EQ(http_request(proxy.admin_port(), "POST", "/shadows/model-v2/pause", {}, good).status,
              404U);
    EXPECT_EQ(http_request(proxy.admin_port(), "POST", "/stats").status, 405U);
    EXPECT_FALSE(shadow_stats(proxy)["paused"].get<bool>());
}

TEST(AdminControl, ProtectReadsGuardsEverythingButTheProbes) {
    token_file token_path;
    fake_upstream production;
    fake_upstream shadow;
    // The harness's readiness probe is /readyz, which stays open.
    proxy_process proxy{config(production, shadow,
                               ", token_file: \"" + token_path.path() + "\", protect_reads: true")};
    ASSERT_TRUE(proxy.ready()) << proxy.stderr_text();
    const auto admin = proxy.admin_port();
    EXPECT_EQ(http_get(admin, "/healthz").status, 200U);
    EXPECT_EQ(http_get(admin, "/readyz").status, 200U);
    for (const char* path : {"/stats", "/metrics", "/"}) {
        const auto denied = http_request(admin, "GET", path, {}, bad);
        EXPECT_EQ(denied.status, 401U) << path;
        EXPECT_NE(denied.header("WWW-Authenticate").find("Bearer"), std::string::npos);
        EXPECT_EQ(http_get(admin, path).status, 401U) << path;
        EXPECT_EQ(http_request(admin, "GET", path, {}, good).status, 200U) << path;
    }
}

}  // namespace
}  // namespace shadowproxy::testing
