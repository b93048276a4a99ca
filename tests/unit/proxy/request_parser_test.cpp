// request_parser: the fast path for plain heads and length bodies, the fall-back to Beast's
// parser for everything else (chunked bodies, trailers, odd framing fields, obs-text), and the
// limits.
#include "shadowproxy/proxy/request_parser.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/error.hpp>
#include <string>
#include <string_view>

namespace shadowproxy::proxy {
namespace {

namespace http = boost::beast::http;

struct parsed {
    request_parser parser;
    boost::beast::error_code ec;

    // The head alone first, as the session gives it, then the rest in pieces of `piece` bytes.
    explicit parsed(std::string_view bytes, std::size_t piece = 3,
                    std::uint64_t body_limit = 1024) {
        parser.header_limit(4096);
        parser.body_limit(body_limit);
        const std::size_t head = bytes.find("\r\n\r\n") + 4;
        bytes.remove_prefix(parser.put(boost::asio::buffer(bytes.data(), head), ec));
        if (ec || !parser.is_header_done()) {
            return;
        }
        parser.eager(true);
        std::string pending;
        while (!parser.is_done() && !ec) {
            if (bytes.empty() && pending.empty()) {
                break;
            }
            pending.append(bytes.substr(0, piece));
            bytes.remove_prefix(std::min(piece, bytes.size()));
            const std::size_t used = parser.put(boost::asio::buffer(pending), ec);
            pending.erase(0, used);
            if (ec == http::error::need_more) {
                ec = {};
            }
        }
    }
};

TEST(RequestParser, TakesAPlainRequestOnTheFastPath) {
    parsed r(
        "POST /v1/models/m:predict?x=1 HTTP/1.1\r\nHost: model:8080\r\n"
        "Content-Type: application/json\r\nContent-Length: 11 \r\nX-A:\t1\r\nX-A: 2\r\n\r\n"
        "{\"x\":[1,2]}");
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_TRUE(r.parser.fast());
    ASSERT_TRUE(r.parser.is_done());
    const auto& head = r.parser.head();
    EXPECT_EQ(head.method, "POST");
    EXPECT_EQ(head.target, "/v1/models/m:predict?x=1");
    EXPECT_EQ(head.version, 11U);
    ASSERT_EQ(head.fields.size(), 5U);
    EXPECT_EQ(head.fields.at(2).value, "11");  // trailing whitespace trimmed
    EXPECT_EQ(head.fields.at(3).value, "1");   // leading HTAB skipped
    EXPECT_EQ(head.fields.at(4).value, "2");
    EXPECT_EQ(r.parser.body(), "{\"x\":[1,2]}");
    EXPECT_FALSE(r.parser.chunked());
}

TEST(RequestParser, BodylessAndHttp10RequestsAreDoneWithTheirHead) {
    parsed get("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_TRUE(get.parser.fast());
    EXPECT_TRUE(get.parser.is_done());
    parsed old("GET /x HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
    EXPECT_TRUE(old.parser.fast());
    EXPECT_TRUE(old.parser.is_done());
    EXPECT_EQ(old.parser.head().version, 10U);
}

TEST(RequestParser, ChunkedBodiesGoToBeastAndTheirTrailersAreCountedNotKept) {
    parsed r(
        "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        "4\r\nabcd\r\n2;ext=1\r\nef\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n");
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_FALSE(r.parser.fast());
    ASSERT_TRUE(r.parser.is_done());
    EXPECT_EQ(r.parser.body(), "abcdef");
    EXPECT_EQ(r.parser.head().fields.size(), 2U);
    EXPECT_EQ(r.parser.trailer_fields(), 2U);
}

TEST(RequestParser, AnObsFoldInTheTrailerSectionIsRefusedWithItsReason) {
    parsed r(
        "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        "1\r\na\r\n0\r\nX-T: 1\r\n folded\r\n\r\n",
        4096);
    EXPECT_EQ(r.ec, http::error::bad_field);
    EXPECT_FALSE(r.parser.trailer_problem().empty());
}

struct fallback_case {
    std::string label;
    std::string request;
};

void PrintTo(const fallback_case& c, std::ostream* out) {
    *out << c.label;
}

class RequestParserFallback : public ::testing::TestWithParam<fallback_case> {};

// Heads the fast path leaves to Beast, which reads them all the same.
TEST_P(RequestParserFallback, ReadsTheHeadWithBeast) {
    parsed r(GetParam().request);
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_FALSE(r.parser.fast());
    EXPECT_TRUE(r.parser.is_done());
    EXPECT_EQ(r.parser.head().method, "POST");
}

INSTANTIATE_TEST_SUITE_P(
    Heads, RequestParserFallback,
    ::testing::Values(
        fallback_case{"obs-text value", "POST / HTTP/1.1\r\nX-A: caf\xc3\xa9\r\n\r\n"},
        fallback_case{"obs-text target", "POST /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"},
        fallback_case{"connection list", "POST / HTTP/1.1\r\nConnection: keep-alive, x\r\n\r\n"},
        fallback_case{"length list", "POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\na"},
        fallback_case{"leading zero", "POST / HTTP/1.1\r\nContent-Length: 01\r\n\r\na"},
        fallback_case{"upgrade", "POST / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n"}));

TEST(RequestParser, RefusalsAreBeasts) {
    EXPECT_EQ(parsed("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab").ec,
              http::error::multiple_content_length);
    EXPECT_EQ(parsed("POST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n").ec,
              http::error::body_limit);
    EXPECT_EQ(parsed("GET / HTTP/2.0\r\nHost: a\r\n\r\n").ec, http::error::bad_version);
    EXPECT_EQ(parsed("G(T / HTTP/1.1\r\nHost: a\r\n\r\n").ec, http::error::bad_method);
}

}  // namespace
}  // namespace shadowproxy::proxy
