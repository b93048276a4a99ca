#include "shadowproxy/upstream/answer_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace shadowproxy::upstream {
namespace {

namespace http = boost::beast::http;

// Feeds `bytes` as the exchange does: one piece per put(), collected into `body`.
boost::beast::error_code feed(answer_parser& parser, std::string_view bytes, std::string& body) {
    boost::beast::error_code ec;
    while (!parser.is_done()) {
        const std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
        bytes.remove_prefix(used);
        body.append(parser.take_piece());
        if (ec == http::error::need_buffer) {
            ec = {};
            continue;
        }
        if (ec || used == 0) {
            break;
        }
    }
    return ec;
}

TEST(AnswerParser, FillsTheHeadAndHandsOutTheBody) {
    net::response_head head;
    head.fields.add("Stale", "from the last answer");
    answer_parser parser(head);
    parser.eager(true);
    std::string body;
    const auto ec = feed(parser,
                         "HTTP/1.1 404 No Such Model\r\nContent-Type: application/json\r\n"
                         "content-length: 7\r\nX-A: 1\r\nX-A: 2\r\n\r\n{\"a\":1}",
                         body);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(parser.is_done());
    EXPECT_EQ(head.status, 404U);
    EXPECT_EQ(head.reason, "No Such Model");
    EXPECT_EQ(head.version, 11U);
    EXPECT_EQ(head.fields.size(), 4U);
    EXPECT_EQ(head.fields["content-type"], "application/json");
    EXPECT_EQ(head.fields["X-A"], "1");
    EXPECT_FALSE(head.fields.contains("Stale"));
    EXPECT_EQ(body, "{\"a\":1}");
    EXPECT_EQ(parser.content_length().value_or(0), 7U);
}

TEST(AnswerParser, ChunkedBodyOnePiecePerChunkTrailersNotKept) {
    net::response_head head;
    answer_parser parser(head);
    parser.eager(true);
    std::string body;
    const auto ec = feed(parser,
                         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "3\r\nabc\r\n2\r\nde\r\n0\r\nGrpc-Status: 0\r\n\r\n",
                         body);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(parser.is_done());
    EXPECT_EQ(body, "abcde");
    EXPECT_EQ(head.fields.size(), 1U);
    EXPECT_FALSE(head.fields.contains("grpc-status"));
}

TEST(AnswerParser, StopsAfterEachPiece) {
    net::response_head head;
    answer_parser parser(head);
    parser.eager(true);
    const std::string_view bytes =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    boost::beast::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    EXPECT_EQ(ec, http::error::need_buffer);
    EXPECT_EQ(parser.take_piece(), "abc");
    EXPECT_LT(used, bytes.size());
    EXPECT_FALSE(parser.is_done());
}

TEST(AnswerParser, BeastFramingChecksStillApply) {
    net::response_head head;
    answer_parser parser(head);
    std::string body;
    EXPECT_EQ(
        feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", body),
        http::error::multiple_content_length);
    net::response_head other;
    answer_parser limited(other);
    limited.header_limit(32);
    EXPECT_EQ(
        feed(limited, "HTTP/1.1 200 OK\r\nX-Long: " + std::string(64, 'x') + "\r\n\r\n", body),
        http::error::header_limit);
}

}  // namespace
}  // namespace shadowproxy::upstream
