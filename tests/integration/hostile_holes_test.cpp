// Hostile clients, the holes a security review found: chunked trailers never become forwarded
// header fields; the shadow marker and a shadow's set_headers belong to the proxy, whatever the
// client sends; every line the request parser buffers is bounded (a chunk line, a trailer
// section); a head with too many fields is 431 and Connection lists are honoured from every
// Connection field. Each case runs the real binary against fake upstreams on 127.0.0.1.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

std::size_t count_fields(const received_request& request, const std::string& name) {
    std::size_t n = 0;
    for (const auto& [key, value] : request.headers) {
        n += key.size() == name.size() &&
             std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
                 return std::tolower(static_cast<unsigned char>(a)) ==
                        std::tolower(static_cast<unsigned char>(b));
             });
    }
    return n;
}

std::string with_shadow(const fake_upstream& production, const fake_upstream& shadow,
                        const std::string& shadow_extra = {}) {
    return "production: {name: model-v1, url: \"" + production.url() +
           "\"}\nshadows:\n  - name: model-v2\n    url: \"" + shadow.url() + "\"\n" + shadow_extra;
}

const std::string chunked_post =
    "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";

TEST(HostileTrailers, NeverMergedIntoForwardedHeadersAndCounted) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{with_shadow(production, shadow)};
    ASSERT_TRUE(proxy.ready());
    const std::string answer = raw_exchange(
        proxy.port(), chunked_post +
                          "2\r\n{}\r\n0\r\nAuthorization: Bearer injected\r\n"
                          "X-Forwarded-For: 6.6.6.6\r\nX-Shadow-Request: false\r\n"
                          "Content-Type: text/plain\r\nConnection: keep-alive\r\n\r\n");
    ASSERT_EQ(first_status(answer), 200U) << answer;
    ASSERT_TRUE(wait_until([&] { return shadow.request_count() == 1; }, 5s, "shadow copy"));
    for (const auto* upstream : {&production, &shadow}) {
        ASSERT_EQ(upstream->request_count(), 1U);
        const auto seen = upstream->requests().front();
        EXPECT_EQ(seen.body, "{}");
        EXPECT_FALSE(seen.has_header("Authorization"));
        EXPECT_EQ(seen.header("X-Forwarded-For"), "127.0.0.1");
        EXPECT_EQ(seen.header("Content-Type"), "application/json");
        EXPECT_EQ(count_fields(seen, "Content-Type"), 1U);
        EXPECT_FALSE(seen.has_header("Connection"));
    }
    EXPECT_FALSE(production.requests().front().has_header("X-Shadow-Request"));
    EXPECT_EQ(shadow.requests().front().header("X-Shadow-Request"), "true");
    EXPECT_EQ(proxy.metric("shadowproxy_request_trailer_fields_dropped_total"), 5.0);
}

class HostileMalformedTrailer : public ::testing::TestWithParam<std::string> {};

TEST_P(HostileMalformedTrailer, Is400AndNothingForwarded) {
    fake_upstream production;
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready());
    const std::string answer =
        raw_exchange(proxy.port(), chunked_post + "2\r\n{}\r\n0\r\n" + GetParam(), 5s);
    EXPECT_EQ(first_status(answer), 400U) << answer;
    EXPECT_EQ(answer.find("HTTP/1.1", 1), std::string::npos) << answer;
    EXPECT_EQ(production.request_count(), 0U);
}

INSTANTIATE_TEST_SUITE_P(Trailers, HostileMalformedTrailer,
                         ::testing::Values("X-Note: a\r\n folded\r\n\r\n",
                                           "X-Note: a\r\n\tfolded\r\n\r\n",
                                           "X-Note: a\nX-Other: b\r\n\r\n",
                                           "No colon here\r\n\r\n"));

TEST(HostileOwnedHeaders, ClientCannotSpoofTheShadowMarkerOrSetHeaders) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{with_shadow(
        production, shadow, "    set_headers: {X-Model-Candidate: v2, X-Tenant: shadow}\n")};
    ASSERT_TRUE(proxy.ready());
    const auto response = http_request(proxy.port(), "POST", "/predict", "{}",
                                       {{"X-Shadow-Request", "true"},
                                        {"x-shadow-request", "yes"},
                                        {"X-Model-Candidate", "evil"},
                                        {"x-model-candidate", "evil2"},
                                        {"X-Tenant", "client"},
                                        {"X-Other", "kept"}});
    ASSERT_EQ(response.status, 200U) << response.error;
    ASSERT_TRUE(wait_until([&] { return shadow.request_count() == 1; }, 5s, "shadow copy"));
    const auto to_production = production.requests().front();
    EXPECT_EQ(count_fields(to_production, "X-Shadow-Request"), 0U);
    EXPECT_EQ(to_production.header("X-Model-Candidate"), "evil");  // not the proxy's for production
    EXPECT_EQ(to_production.header("X-Other"), "kept");
    const auto to_shadow = shadow.requests().front();
    EXPECT_EQ(count_fields(to_shadow, "X-Shadow-Request"), 1U);
    EXPECT_EQ(to_shadow.header("X-Shadow-Request"), "true");
    EXPECT_EQ(count_fields(to_shadow, "X-Model-Candidate"), 1U);
    EXPECT_EQ(to_shadow.header("X-Model-Candidate"), "v2");
    EXPECT_EQ(count_fields(to_shadow, "X-Tenant"), 1U);
    EXPECT_EQ(to_shadow.header("X-Tenant"), "shadow");
    EXPECT_EQ(to_shadow.header("X-Other"), "kept");
}

TEST(HostileOwnedHeaders, CustomMarkerNameIsOwnedToo) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{with_shadow(production, shadow) +
                        "mirror: {shadow_header: {name: X-Is-Copy, value: '1'}}\n"};
    ASSERT_TRUE(proxy.ready());
    const auto response =
        http_request(proxy.port(), "POST", "/predict", "{}", {{"X-Is-Copy", "0"}});
    ASSERT_EQ(response.status, 200U) << response.error;
    ASSERT_TRUE(wait_until([&] { return shadow.request_count() == 1; }, 5s, "shadow copy"));
    EXPECT_FALSE(production.requests().front().has_header("X-Is-Copy"));
    EXPECT_EQ(count_fields(shadow.requests().front(), "X-Is-Copy"), 1U);
    EXPECT_EQ(shadow.requests().front().header("X-Is-Copy"), "1");
}

struct endless_line {
    std::string name;
    std::string prefix;  // after the head; then `filler` repeated
    char filler;
};

void PrintTo(const endless_line& c, std::ostream* out) {
    *out << c.name;
}

class HostileEndlessLine : public ::testing::TestWithParam<endless_line> {};

// 256 KiB without a line end: far past the bounds (4 KiB for a chunk line, max_header_bytes for
// a trailer section), far below what would hurt the test machine. Before the fix the proxy kept
// buffering and never answered.
TEST_P(HostileEndlessLine, AnsweredWith400AndClosed) {
    const auto& c = GetParam();
    fake_upstream production;
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready());
    const std::string bytes = chunked_post + c.prefix + std::string(256 * 1024, c.filler);
    const auto started = std::chrono::steady_clock::now();
    const std::string answer = raw_exchange(proxy.port(), bytes, 5s);
    EXPECT_EQ(first_status(answer), 400U) << answer.substr(0, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 4s) << "not closed after the 400";
    EXPECT_EQ(production.request_count(), 0U);
}

INSTANTIATE_TEST_SUITE_P(
    Lines, HostileEndlessLine,
    ::testing::Values(endless_line{"ChunkExtension", "1;", 'a'},
                      endless_line{"ChunkSizeDigits", "", '0'},
                      endless_line{"ChunkExtensionAfterData", "2\r\n{}\r\n1;x=", 'b'},
                      endless_line{"TrailerLine", "2\r\n{}\r\n0\r\nX-Trailer: ", 'c'},
                      endless_line{"TrailerFields", "0\r\n", 'd'}),
    [](const auto& test_case) { return test_case.param.name; });

TEST(HostileHeaderFields, MoreThanMaxHeaderFieldsIs431) {
    fake_upstream production;
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready());
    // The review's request: 2,000 Connection tokens and many header lines, well under 16 KiB.
    std::string connection = "Connection: keep-alive";
    for (int i = 0; i < 2000; ++i) {
        connection += ",a";
    }
    std::string head = "GET /predict HTTP/1.1\r\nHost: x\r\n" + connection + "\r\n";
    for (int i = 0; i < 150; ++i) {
        head += "a: " + std::to_string(i) + "\r\n";
    }
    const std::string answer = raw_exchange(proxy.port(), head + "\r\n", 5s);
    EXPECT_EQ(first_status(answer), 431U) << answer.substr(0, 200);
    EXPECT_EQ(production.request_count(), 0U);
}

TEST(HostileHeaderFields, ExactlyMaxHeaderFieldsIsServedAndLimitIsConfigurable) {
    fake_upstream production;
    proxy_process proxy{"production: {url: \"" + production.url() +
                        "\"}\nlimits: {max_header_fields: 20}\n"};
    ASSERT_TRUE(proxy.ready());
    auto request_with = [&](int fields) {
        std::string head = "GET /predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
        for (int i = 2; i < fields; ++i) {
            head += "X-F" + std::to_string(i) + ": v\r\n";
        }
        return first_status(raw_exchange(proxy.port(), head + "\r\n", 5s));
    };
    EXPECT_EQ(request_with(20), 200U);
    EXPECT_EQ(request_with(21), 431U);
}

TEST(HostileConnectionHeader, EveryConnectionFieldIsHonoured) {
    fake_upstream production;
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready());
    const std::string answer = raw_exchange(
        proxy.port(),
        "GET /predict HTTP/1.1\r\nHost: x\r\nConnection: X-First\r\nX-First: 1\r\n"
        "X-Second: 2\r\nX-Third: 3\r\nConnection: x-second, keep-alive\r\nConnection: close\r\n\r\n"
        "GET /second HTTP/1.1\r\nHost: x\r\n\r\n",
        3s);
    EXPECT_EQ(first_status(answer), 200U) << answer;
    EXPECT_EQ(answer.find("HTTP/1.1", 1), std::string::npos) << "Connection: close ignored";
    ASSERT_EQ(production.request_count(), 1U);
    const auto seen = production.requests().front();
    EXPECT_FALSE(seen.has_header("X-First"));
    EXPECT_FALSE(seen.has_header("X-Second"));
    EXPECT_EQ(seen.header("X-Third"), "3");
}

}  // namespace
}  // namespace shadowproxy::testing
