// Per-upstream routing: the Host each upstream gets (`host:`), URL base paths, a shadow's
// path_rewrite and remove_headers, and X-Forwarded-Host carrying the client's Host, as the
// fake upstreams receive them.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

const std::string client_request =
    "POST /predict?x=1 HTTP/1.1\r\n"
    "Host: client.example\r\n"
    "Authorization: Bearer user-secret\r\n"
    "Cookie: session=abc\r\n"
    "X-Other: kept\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 7\r\n"
    "Connection: close\r\n"
    "\r\n"
    R"({"x":1})";

TEST(MirrorRouting, HostBasePathRewriteAndRemovedHeadersReachEachUpstreamExactly) {
    fake_upstream production;
    fake_upstream shadow;
    fake_upstream plain;
    proxy_process proxy{"production: {url: \"" + production.url() +
                        "/prod-base/\", host: prod.internal}\n"
                        "shadows:\n"
                        "  - name: routed\n"
                        "    url: \"" +
                        shadow.url() +
                        "/base\"\n"
                        "    host: \"models.example:8443\"\n"
                        "    path_rewrite: {from: /predict, to: /v2/models/b/infer}\n"
                        "    remove_headers: [Authorization, cookie]\n"
                        "  - name: plain\n"
                        "    url: \"" +
                        plain.url() + "\"\n"};
    ASSERT_TRUE(proxy.ready()) << proxy.stderr_text();
    ASSERT_EQ(first_status(raw_exchange(proxy.port(), client_request)), 200U);
    ASSERT_TRUE(
        wait_until([&] { return shadow.request_count() == 1 && plain.request_count() == 1; }, 5s,
                   "both shadows got the copy"));

    const auto seen_by_production = production.requests().at(0);
    EXPECT_EQ(seen_by_production.target, "/prod-base/predict?x=1");
    EXPECT_EQ(seen_by_production.header("Host"), "prod.internal");
    EXPECT_EQ(seen_by_production.header("X-Forwarded-Host"), "client.example");
    EXPECT_EQ(seen_by_production.header("Authorization"), "Bearer user-secret");
    EXPECT_EQ(seen_by_production.header("Cookie"), "session=abc");

    const auto seen_by_shadow = shadow.requests().at(0);
    EXPECT_EQ(seen_by_shadow.method, "POST");
    EXPECT_EQ(seen_by_shadow.target, "/base/v2/models/b/infer?x=1");
    EXPECT_EQ(seen_by_shadow.header("Host"), "models.example:8443");
    EXPECT_EQ(seen_by_shadow.header("X-Forwarded-Host"), "client.example");
    EXPECT_FALSE(seen_by_shadow.has_header("Authorization"));
    EXPECT_FALSE(seen_by_shadow.has_header("Cookie"));
    EXPECT_EQ(seen_by_shadow.header("X-Other"), "kept");
    EXPECT_EQ(seen_by_shadow.header("X-Shadow-Request"), "true");
    EXPECT_EQ(seen_by_shadow.body, R"({"x":1})");

    // The defaults: the URL's authority as Host, the client's target, every header.
    const auto seen_by_plain = plain.requests().at(0);
    EXPECT_EQ(seen_by_plain.target, "/predict?x=1");
    EXPECT_EQ(seen_by_plain.header("Host"), "127.0.0.1:" + std::to_string(plain.port()));
    EXPECT_EQ(seen_by_plain.header("X-Forwarded-Host"), "client.example");
    EXPECT_EQ(seen_by_plain.header("Authorization"), "Bearer user-secret");
    EXPECT_EQ(seen_by_plain.header("Cookie"), "session=abc");

    // The record keeps the client's path, not the rewritten one.
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 2; }, 5s, "two records"));
    for (const auto& record : proxy.records()) {
        EXPECT_EQ(record["path"], "/predict");
    }
}

TEST(MirrorRouting, PathsOutsideTheRewritePrefixKeepTheirPath) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{"production: {url: \"" + production.url() +
                        "\"}\nshadows:\n  - {name: s, url: \"" + shadow.url() +
                        "\", path_rewrite: {from: /v1/, to: /}}\n"};
    ASSERT_TRUE(proxy.ready()) << proxy.stderr_text();
    ASSERT_EQ(http_request(proxy.port(), "POST", "/v1/predict", "{}").status, 200U);
    ASSERT_EQ(http_request(proxy.port(), "POST", "/other", "{}").status, 200U);
    ASSERT_TRUE(wait_until([&] { return shadow.request_count() == 2; }, 5s, "two copies"));
    std::set<std::string> targets;
    for (const auto& request : shadow.requests()) {
        targets.insert(request.target);
    }
    EXPECT_EQ(targets, (std::set<std::string>{"/predict", "/other"}));
    EXPECT_EQ(production.requests().at(0).target, "/v1/predict");
    EXPECT_EQ(production.requests().at(0).header("X-Forwarded-Host"), "127.0.0.1");
}

}  // namespace
}  // namespace shadowproxy::testing
