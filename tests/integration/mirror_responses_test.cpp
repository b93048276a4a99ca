// Shadow answers of every legal HTTP/1.1 shape are read as answers, not errors (docs/records.md:
// `error` only for exchanges without a valid response), and shadow connections are pooled.
#include <gtest/gtest.h>

#include <set>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

struct shape_case {
    std::string name;
    std::string method;
    std::string raw_answer;  // empty: the fake's normal 200 {"prediction":1}
    unsigned status;
    std::string outcome;
};

// Names the case in test listings (gtest would otherwise print the raw bytes).
void PrintTo(const shape_case& c, std::ostream* out) {
    *out << c.name;
}

class MirrorShadowResponses : public ::testing::TestWithParam<shape_case> {};

TEST_P(MirrorShadowResponses, ReadAsAnAnswer) {
    const auto& c = GetParam();
    fake_upstream production;
    fake_upstream shadow{[&](const received_request&) {
        reply r;
        if (!c.raw_answer.empty()) {
            r.action = reply::kind::raw;
            r.raw_bytes = c.raw_answer;
        }
        return r;
    }};
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\nshadows:\n" +
                        "  - {name: s, url: \"" + shadow.url() + "\", timeout_ms: 2000}\n"};
    ASSERT_TRUE(proxy.ready());
    const auto response =
        http_request(proxy.port(), c.method, "/predict", c.method == "POST" ? "{}" : "");
    ASSERT_EQ(response.status, 200U);
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 1; }, 5s, "the record"));
    const auto record = proxy.records().front();
    EXPECT_TRUE(record["shadow"]["error"].is_null()) << record.dump();
    EXPECT_EQ(record["shadow"]["status"], c.status) << record.dump();
    EXPECT_EQ(record["outcome"], c.outcome) << record.dump();
    EXPECT_EQ(record["method"], c.method);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, MirrorShadowResponses,
    ::testing::Values(
        shape_case{"head", "HEAD", "", 200, "match"},
        shape_case{
            "chunked", "POST",
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"pre\r\nb\r\ndiction\":1}\r\n0\r\n\r\n",
            200, "match"},
        shape_case{"until_close", "POST",
                   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
                   "{\"prediction\":1}",
                   200, "match"},
        shape_case{"no_content", "POST", "HTTP/1.1 204 No Content\r\n\r\n", 204, "status_mismatch"},
        shape_case{"http10", "POST",
                   "HTTP/1.0 200 OK\r\nContent-Length: 16\r\n\r\n{\"prediction\":1}", 200,
                   "match"}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(MirrorShadowPool, ConnectionsReused) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\nshadows:\n" +
                        "  - {name: s, url: \"" + shadow.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready());
    http_connection client{proxy.port()};
    for (int i = 0; i < 50; ++i) {
        ASSERT_EQ(client.send("POST", "/predict", "{}").status, 200U);
        ASSERT_TRUE(
            wait_until([&] { return proxy.records().size() == static_cast<std::size_t>(i + 1); },
                       5s, "the record"));
    }
    EXPECT_LE(shadow.connections(), 2U);
}

TEST(MirrorShadowPool, PipelinedRequestsEachMirrored) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\nshadows:\n" +
                        "  - {name: s, url: \"" + shadow.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready());
    std::string raw;
    for (int i = 0; i < 5; ++i) {
        const std::string body = "{\"n\":" + std::to_string(i) + "}";
        raw += "POST /predict HTTP/1.1\r\nHost: x\r\nX-Request-Id: pipe-" + std::to_string(i) +
               "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
               (i == 4 ? "Connection: close\r\n" : "") + "\r\n" + body;
    }
    const auto answer = raw_exchange(proxy.port(), raw);
    EXPECT_EQ(first_status(answer), 200U);
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 5; }, 5s, "five records"));
    std::set<std::string> ids;
    for (const auto& record : proxy.records()) {
        ids.insert(record["request_id"].get<std::string>());
    }
    EXPECT_EQ(ids, (std::set<std::string>{"pipe-0", "pipe-1", "pipe-2", "pipe-3", "pipe-4"}));
    ASSERT_EQ(shadow.request_count(), 5U);
    std::set<std::string> bodies;
    for (const auto& seen : shadow.requests()) {
        bodies.insert(seen.body);
    }
    EXPECT_EQ(bodies.size(), 5U);
}

}  // namespace
}  // namespace shadowproxy::testing
