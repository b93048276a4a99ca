// Mirroring, README, docs/config.md, README (Configuration): every shadow gets a byte-for-byte copy
// of the client's request (method, target, body, end-to-end headers) plus the shadow header and its
// own set_headers, with Host set to its authority; one record per (request, shadow) under the
// request's id.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

std::string authority(const fake_upstream& upstream) {
    return "127.0.0.1:" + std::to_string(upstream.port());
}

// The headers of a request without the ones named, in order, names lower-cased.
header_list without(const received_request& request, const std::set<std::string>& names) {
    header_list out;
    for (const auto& [name, value] : request.headers) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (names.count(lower) == 0) {
            out.emplace_back(lower, value);
        }
    }
    return out;
}

TEST(MirrorForwarding, TwoShadowsGiveTwoRecordsUnderTheClientsRequestId) {
    fake_upstream production;
    fake_upstream shadow_a;
    fake_upstream shadow_b;
    proxy_process proxy{"production: {name: model-v1, url: \"" + production.url() +
                        "\"}\nshadows:\n  - {name: shadow-a, url: \"" + shadow_a.url() +
                        "\"}\n  - {name: shadow-b, url: \"" + shadow_b.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready());

    const auto response = http_request(proxy.port(), "POST", "/predict", R"({"features":[1]})");
    ASSERT_EQ(response.status, 200U);
    const std::string id = response.header("X-Request-Id");
    ASSERT_FALSE(id.empty());

    ASSERT_TRUE(wait_until([&] { return proxy.records().size() >= 2; }, 5s, "two records"));
    const auto records = proxy.records();
    ASSERT_EQ(records.size(), 2U);
    std::set<std::string> names;
    for (const auto& record : records) {
        EXPECT_EQ(record["request_id"], id);
        EXPECT_EQ(record["production"]["name"], "model-v1");
        names.insert(record["shadow"]["name"].get<std::string>());
    }
    EXPECT_EQ(names, (std::set<std::string>{"shadow-a", "shadow-b"}));
    ASSERT_EQ(production.request_count(), 1U);
    EXPECT_EQ(production.requests().front().header("X-Request-Id"), id);
    for (const auto* shadow : {&shadow_a, &shadow_b}) {
        ASSERT_EQ(shadow->request_count(), 1U);
        EXPECT_EQ(shadow->requests().front().header("X-Request-Id"), id);
    }
}

TEST(MirrorForwarding, ClientRequestIdKeptEverywhere) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\nshadows:\n" +
                        "  - {name: s, url: \"" + shadow.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready());
    const auto response =
        http_request(proxy.port(), "POST", "/predict", "{}", {{"X-Request-Id", "client-id-77"}});
    EXPECT_EQ(response.header("X-Request-Id"), "client-id-77");
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 1; }, 5s, "one record"));
    EXPECT_EQ(proxy.records().front()["request_id"], "client-id-77");
    EXPECT_EQ(shadow.requests().front().header("X-Request-Id"), "client-id-77");
}

class MirrorForwardingFixture : public ::testing::Test {
protected:
    void SetUp() override {
        proxy_ = std::make_unique<proxy_process>(
            "production: {url: \"" + production_.url() +
            "\"}\nshadows:\n  - {name: plain, url: \"" + plain_.url() +
            "\"}\n  - name: candidate\n    url: \"" + candidate_.url() +
            "\"\n    set_headers: {X-Model-Candidate: v2, X-Extra: \"a b\"}\n");
        ASSERT_TRUE(proxy_->ready());
    }

    // Waits for the copy at both shadows, then checks it against what production got.
    void expect_mirrored(std::size_t index, const std::string& method, const std::string& target,
                         const std::string& body) {
        ASSERT_TRUE(wait_until(
            [&] { return plain_.request_count() > index && candidate_.request_count() > index; },
            5s, "copies at both shadows"));
        ASSERT_GT(production_.request_count(), index);
        const auto original = production_.requests()[index];
        EXPECT_EQ(original.method, method);
        EXPECT_EQ(original.target, target);
        EXPECT_EQ(original.body, body);
        EXPECT_FALSE(original.has_header("X-Shadow-Request"));
        EXPECT_FALSE(original.has_header("X-Model-Candidate"));
        EXPECT_EQ(original.header("Host"), authority(production_));
        const auto expected_headers = without(original, {"host"});
        for (auto* shadow : {&plain_, &candidate_}) {
            const auto copy = shadow->requests()[index];
            EXPECT_EQ(copy.method, method);
            EXPECT_EQ(copy.target, target);
            EXPECT_EQ(copy.body, body);
            EXPECT_EQ(copy.header("Host"), authority(*shadow));
            EXPECT_EQ(copy.header("X-Shadow-Request"), "true");
            EXPECT_EQ(without(copy, {"host", "x-shadow-request", "x-model-candidate", "x-extra"}),
                      expected_headers);
        }
        const auto plain_copy = plain_.requests()[index];
        EXPECT_FALSE(plain_copy.has_header("X-Model-Candidate"));
        EXPECT_FALSE(plain_copy.has_header("X-Extra"));
        const auto candidate_copy = candidate_.requests()[index];
        EXPECT_EQ(candidate_copy.header("X-Model-Candidate"), "v2");
        EXPECT_EQ(candidate_copy.header("X-Extra"), "a b");
    }

    fake_upstream production_;
    fake_upstream plain_;
    fake_upstream candidate_;
    std::unique_ptr<proxy_process> proxy_;
};

TEST_F(MirrorForwardingFixture, GetMirroredByteForByte) {
    const auto response =
        http_request(proxy_->port(), "GET", "/items/7?q=a%20b&x=1", {},
                     {{"X-Custom", "value, with; punctuation"}, {"Accept", "application/json"}});
    ASSERT_EQ(response.status, 200U);
    expect_mirrored(0, "GET", "/items/7?q=a%20b&x=1", "");
    EXPECT_EQ(plain_.requests()[0].header("X-Custom"), "value, with; punctuation");
}

TEST_F(MirrorForwardingFixture, PostMirroredByteForByte) {
    const std::string body = "{\"features\":[1,2,3],\"text\":\"caf\xc3\xa9 \\u0000\"}";
    const auto response =
        http_request(proxy_->port(), "POST", "/predict?v=2", body,
                     {{"Content-Type", "application/json"}, {"Authorization", "Bearer t"}});
    ASSERT_EQ(response.status, 200U);
    expect_mirrored(0, "POST", "/predict?v=2", body);
    EXPECT_EQ(candidate_.requests()[0].header("Content-Length"), std::to_string(body.size()));
    EXPECT_EQ(candidate_.requests()[0].header("Authorization"), "Bearer t");
}

TEST_F(MirrorForwardingFixture, ChunkedPostMirroredDechunked) {
    const std::string raw =
        "POST /predict/chunked HTTP/1.1\r\nHost: client.example\r\nContent-Type: text/plain\r\n"
        "Transfer-Encoding: chunked\r\nX-Trace: t1\r\nConnection: close\r\n\r\n"
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    const auto answer = raw_exchange(proxy_->port(), raw);
    ASSERT_EQ(first_status(answer), 200U) << answer;
    expect_mirrored(0, "POST", "/predict/chunked", "hello world");
    for (auto* shadow : {&plain_, &candidate_}) {
        const auto copy = shadow->requests()[0];
        EXPECT_FALSE(copy.has_header("Transfer-Encoding"));
        EXPECT_EQ(copy.header("Content-Length"), "11");
        EXPECT_EQ(copy.header("X-Trace"), "t1");
    }
}

TEST(MirrorForwarding, CustomShadowHeader) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{
        "production: {url: \"" + production.url() + "\"}\nshadows:\n" + "  - {name: s, url: \"" +
        shadow.url() + "\"}\n" +
        "mirror: {shadow_header: {name: X-Mirrored-By, value: shadowproxy-test}}\n"};
    ASSERT_TRUE(proxy.ready());
    ASSERT_EQ(http_request(proxy.port(), "POST", "/predict", "{}").status, 200U);
    ASSERT_TRUE(wait_until([&] { return shadow.request_count() == 1; }, 5s, "the copy"));
    const auto copy = shadow.requests().front();
    EXPECT_EQ(copy.header("X-Mirrored-By"), "shadowproxy-test");
    EXPECT_FALSE(copy.has_header("X-Shadow-Request"));
    EXPECT_FALSE(production.requests().front().has_header("X-Mirrored-By"));
}

}  // namespace
}  // namespace shadowproxy::testing
