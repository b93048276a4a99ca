// Upstream names that do not resolve never stop `serve`: a shadow whose host does not resolve
// is recorded as dns_failed while production is served; a production host that does not
// resolve gives 502 "production upstream unresolvable" and /readyz 503, not an exit; and
// `check` validates the syntax of such a config without resolving it.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

TEST(UpstreamDns, AShadowThatDoesNotResolveIsRecordedAsDnsFailed) {
    fake_upstream production;
    proxy_process proxy{
        "production: {name: model-v1, url: \"" + production.url() +
        "\"}\nshadows:\n  - {name: model-v2, url: \"http://model-v2.invalid:8080\"}\n"};
    ASSERT_TRUE(proxy.ready());
    for (int i = 0; i < 3; ++i) {
        const auto response = http_request(proxy.port(), "POST", "/predict", "{}");
        EXPECT_EQ(response.status, 200U);
        EXPECT_EQ(response.body, R"({"prediction":1})");
    }
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 3; }, 5s));
    for (const auto& record : proxy.records()) {
        EXPECT_EQ(record["shadow"]["error"], "dns_failed") << record.dump();
        EXPECT_EQ(record["outcome"], "shadow_error");
        EXPECT_EQ(record["production"]["status"], 200);
    }
    EXPECT_EQ(proxy.metric(
                  "shadowproxy_upstream_errors_total{upstream=\"model-v2\",error=\"dns_failed\"}"),
              3);
    EXPECT_EQ(http_get(proxy.admin_port(), "/readyz").status, 200U);
}

TEST(UpstreamDns, AProductionHostThatDoesNotResolveGives502AndNotReady) {
    proxy_process proxy{"production: {name: model-v1, url: \"http://model-v1.invalid:8080\"}\n",
                        15s, readiness::admin_answers};
    ASSERT_TRUE(proxy.ready());
    const auto ready = http_get(proxy.admin_port(), "/readyz");
    EXPECT_EQ(ready.status, 503U);
    EXPECT_NE(ready.body.find("production unresolvable"), std::string::npos) << ready.body;
    const auto response = http_request(proxy.port(), "POST", "/predict", "{}");
    EXPECT_EQ(response.status, 502U);
    EXPECT_NE(response.body.find(R"("error":"production upstream unresolvable")"),
              std::string::npos)
        << response.body;
    EXPECT_EQ(proxy.metric(
                  "shadowproxy_upstream_errors_total{upstream=\"model-v1\",error=\"dns_failed\"}"),
              1);
    // Still running, and drains normally.
    EXPECT_EQ(proxy.stop(), 0);
}

TEST(UpstreamDns, CheckValidatesSyntaxNotDns) {
    const std::string path = ::testing::TempDir() + "/unresolvable_upstreams.yaml";
    {
        std::ofstream out(path);
        out << "production: {url: \"http://model-v1.invalid:8080\"}\n"
               "shadows:\n  - {name: model-v2, url: \"http://model-v2.invalid:8080\"}\n";
    }
    const auto result = run_binary({"check", "--config", path});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "ok\n");
}

}  // namespace
}  // namespace shadowproxy::testing
