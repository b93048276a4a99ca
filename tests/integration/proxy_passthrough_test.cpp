// Production path, README (Configuration): what the client sees is production's answer, unchanged.
#include <gtest/gtest.h>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"

namespace shadowproxy::testing {
namespace {

std::string production_only(const fake_upstream& production) {
    return "production: {name: model-v1, url: \"" + production.url() + "\"}\n";
}

struct passthrough_case {
    unsigned status;
    std::string header_name;
    std::string header_value;
    std::string body;
};

// Names the case in test listings (gtest would otherwise print the raw bytes).
void PrintTo(const passthrough_case& c, std::ostream* out) {
    *out << c.status;
}

class ProxyPassthrough : public ::testing::TestWithParam<passthrough_case> {};

TEST_P(ProxyPassthrough, StatusHeadersAndBodyUnchanged) {
    const auto& c = GetParam();
    fake_upstream production{[&](const received_request&) {
        reply r;
        r.status = c.status;
        r.headers = {{"Content-Type", "application/json"}, {c.header_name, c.header_value}};
        r.body = c.body;
        return r;
    }};
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    const auto response = http_request(proxy.port(), "POST", "/predict?x=1", R"({"features":[1]})");
    EXPECT_EQ(response.status, c.status);
    EXPECT_EQ(response.body, c.body);
    EXPECT_EQ(response.header(c.header_name), c.header_value);
    EXPECT_EQ(response.header("Content-Type"), "application/json");
    ASSERT_EQ(production.request_count(), 1U);
    const auto seen = production.requests().front();
    EXPECT_EQ(seen.method, "POST");
    EXPECT_EQ(seen.target, "/predict?x=1");
    EXPECT_EQ(seen.body, R"({"features":[1]})");
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, ProxyPassthrough,
    ::testing::Values(passthrough_case{200, "X-Model", "v1", R"({"prediction":1})"},
                      passthrough_case{201, "X-Custom-Header", "created here", R"({"id":7})"},
                      passthrough_case{404, "X-Reason", "no such model", R"({"error":"nf"})"},
                      passthrough_case{500, "X-Trace", "abc", "internal failure"}));

}  // namespace
}  // namespace shadowproxy::testing
