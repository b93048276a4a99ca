// Hostile clients, README (Configuration): ambiguous framing (CL.TE, TE.CL, obfuscated
// Transfer-Encoding, conflicting Content-Length, bare LF, obs-fold) is answered 400 and the
// connection closed, and production never receives two requests from one smuggling attempt. Each
// attempt carries a second, smuggled request behind the first; the fake production counts what
// reaches it.
#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <string>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

struct smuggling_case {
    std::string name;
    std::string head;  // request line and header lines, each ending in CRLF (or not: bare LF)
    std::string body;  // sent after the blank line, then `smuggled`
};

std::string attempt_bytes(const smuggling_case& c) {
    const bool bare_lf = c.head.find("\r\n") == std::string::npos;
    return c.head + (bare_lf ? "\n" : "\r\n") + c.body + smuggled;
}

void PrintTo(const smuggling_case& c, std::ostream* out) {
    *out << c.name;
}

class HostileSmuggling : public ::testing::TestWithParam<smuggling_case> {};

TEST_P(HostileSmuggling, RejectedWith400AndConnectionClosed) {
    const auto& c = GetParam();
    fake_upstream production;
    proxy_process proxy{"production: {name: model-v1, url: \"" + production.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready());

    const auto started = std::chrono::steady_clock::now();
    const std::string answer = raw_exchange(proxy.port(), attempt_bytes(c), 5s);
    const auto elapsed = std::chrono::steady_clock::now() - started;

    EXPECT_EQ(first_status(answer), 400U) << answer;
    EXPECT_LT(elapsed, 3s) << "the proxy must close the connection after the 400";
    EXPECT_EQ(answer.find("HTTP/1.1", 1), std::string::npos) << "a second response: " << answer;
    // A normal request afterwards proves the fake is reachable and orders the count.
    EXPECT_EQ(http_get(proxy.port(), "/after").status, 200U);
    ASSERT_TRUE(wait_until([&] { return production.request_count() >= 1; }, 2s));
    const auto seen = production.requests();
    ASSERT_EQ(seen.size(), 1U);
    EXPECT_EQ(seen.front().target, "/after");
    EXPECT_GE(proxy.metric("shadowproxy_requests_total{upstream=\"proxy\",code=\"400\"}"), 1.0);
}

const std::string post = "POST /predict HTTP/1.1\r\nHost: x\r\n";

INSTANTIATE_TEST_SUITE_P(
    Framing, HostileSmuggling,
    ::testing::Values(
        smuggling_case{"ClTe", post + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n",
                       "0\r\n\r\nG"},
        smuggling_case{"TeCl", post + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
                       "8\r\nSMUGGLED\r\n0\r\n\r\n"},
        smuggling_case{"XChunked", post + "Transfer-Encoding: xchunked\r\n", "0\r\n\r\n"},
        smuggling_case{"XChunkedWithLength",
                       post + "Content-Length: 5\r\nTransfer-Encoding: xchunked\r\n", "0\r\n\r\n"},
        smuggling_case{"LeadingSpaceWithLength",
                       post + "Content-Length: 5\r\nTransfer-Encoding:  chunked\r\n", "0\r\n\r\n"},
        smuggling_case{"TabWithLength",
                       post + "Content-Length: 5\r\nTransfer-Encoding:\tchunked\r\n", "0\r\n\r\n"},
        smuggling_case{"ChunkedIdentity", post + "Transfer-Encoding: chunked, identity\r\n",
                       "0\r\n\r\n"},
        smuggling_case{"IdentityChunked", post + "Transfer-Encoding: identity, chunked\r\n",
                       "0\r\n\r\n"},
        smuggling_case{"SpaceBeforeColon", post + "Transfer-Encoding : chunked\r\n", "0\r\n\r\n"},
        smuggling_case{"DuplicateTransferEncoding",
                       post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                       "0\r\n\r\n"},
        smuggling_case{"DuplicateTransferEncodingMixed",
                       post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n",
                       "0\r\n\r\n"},
        smuggling_case{"ConflictingContentLength",
                       post + "Content-Length: 3\r\nContent-Length: 5\r\n", "abcde"},
        smuggling_case{"ConflictingContentLengthList", post + "Content-Length: 3, 5\r\n", "abcde"},
        smuggling_case{"TransferEncodingInHttp10",
                       "POST /predict HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n",
                       "0\r\n\r\n"},
        smuggling_case{"BareLineFeed", "POST /predict HTTP/1.1\nHost: x\nContent-Length: 2\n",
                       "{}"},
        smuggling_case{"BareLineFeedOneLine",
                       "POST /predict HTTP/1.1\r\nHost: x\nContent-Length: 2\r\n", "{}"},
        smuggling_case{"ObsFold", post + "X-Note: a\r\n b\r\nContent-Length: 2\r\n", "{}"},
        smuggling_case{"ObsFoldTransferEncoding",
                       post + "X-Note: a\r\n Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                       "0\r\n\r\n"},
        smuggling_case{"ObsFoldTab", post + "X-Note: a\r\n\tb\r\nContent-Length: 2\r\n", "{}"}),
    [](const auto& test_case) { return test_case.param.name; });

// Optional whitespace around a value is legal (RFC 9110 §5.5): such a request is one chunked
// request, forwarded once with its de-chunked body and a Content-Length, nothing smuggled.
class HostileWhitespaceChunked : public ::testing::TestWithParam<std::string> {};

TEST_P(HostileWhitespaceChunked, ForwardedAsOneRequest) {
    fake_upstream production;
    proxy_process proxy{"production: {name: model-v1, url: \"" + production.url() + "\"}\n"};
    ASSERT_TRUE(proxy.ready());
    const std::string bytes =
        post + GetParam() + "\r\nConnection: close\r\n\r\n" + "2\r\n{}\r\n0\r\n\r\n" + smuggled;
    const std::string answer = raw_exchange(proxy.port(), bytes, 5s);
    EXPECT_EQ(first_status(answer), 200U) << answer;
    ASSERT_TRUE(wait_until([&] { return production.request_count() >= 1; }, 2s));
    EXPECT_FALSE(wait_until([&] { return production.request_count() > 1; }, 300ms));
    const auto seen = production.requests();
    ASSERT_EQ(seen.size(), 1U);
    EXPECT_EQ(seen.front().target, "/predict");
    EXPECT_EQ(seen.front().body, "{}");
    EXPECT_FALSE(seen.front().has_header("Transfer-Encoding"));
    EXPECT_EQ(seen.front().header("Content-Length"), "2");
}

INSTANTIATE_TEST_SUITE_P(Values, HostileWhitespaceChunked,
                         ::testing::Values("Transfer-Encoding:  chunked",
                                           "Transfer-Encoding:\tchunked",
                                           "Transfer-Encoding: chunked \t",
                                           "transfer-encoding: CHUNKED"));

}  // namespace
}  // namespace shadowproxy::testing
