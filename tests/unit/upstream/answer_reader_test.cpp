#include "shadowproxy/upstream/answer_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace shadowproxy::upstream {
namespace {

namespace http = boost::beast::http;

constexpr std::size_t header_limit = 64 * 1024;

// Feeds `bytes` as the exchange does: one piece per put(), collected into `body`.
boost::beast::error_code feed(answer_reader& reader, std::string_view bytes, std::string& body) {
    boost::beast::error_code ec;
    while (!reader.is_done()) {
        const std::size_t used = reader.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
        bytes.remove_prefix(used);
        body.append(reader.take_piece());
        if (ec == http::error::need_buffer || (!ec && used > 0)) {
            ec = {};
            continue;
        }
        break;
    }
    return ec;
}

struct read_answer {
    net::response_head head;
    answer_reader reader{head, header_limit};
    std::string body;
    boost::beast::error_code ec;

    explicit read_answer(std::string_view bytes, bool head_request = false) {
        head.fields.add("Stale", "from the last answer");
        reader.reset(head_request);
        ec = feed(reader, bytes, body);
    }
};

TEST(AnswerReader, TakesAPlainLengthAnswerOnTheFastPath) {
    const read_answer a(
        "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 34 \r\nConnection: keep-alive\r\nX-A:\t1\r\nX-A: 2\r\n\r\n"
        "{\"prediction\":1,\"probability\":0.9}");
    ASSERT_FALSE(a.ec) << a.ec.message();
    EXPECT_TRUE(a.reader.fast());
    EXPECT_TRUE(a.reader.is_done());
    EXPECT_EQ(a.head.status, 200U);
    EXPECT_EQ(a.head.version, 11U);
    EXPECT_EQ(a.head.reason, "OK");
    ASSERT_EQ(a.head.fields.size(), 6U);  // the stale field is gone; order and spelling kept
    EXPECT_EQ(a.head.fields.at(0).name, "Server");
    EXPECT_EQ(a.head.fields.at(2).value, "34");  // trailing whitespace trimmed
    EXPECT_EQ(a.head.fields.at(4).value, "1");   // leading HTAB skipped
    EXPECT_EQ(a.head.fields.at(5).value, "2");
    EXPECT_EQ(a.reader.content_length(), 34U);
    EXPECT_TRUE(a.reader.keep_alive());
    EXPECT_FALSE(a.reader.need_eof());
    EXPECT_EQ(a.body, "{\"prediction\":1,\"probability\":0.9}");
}

TEST(AnswerReader, FastPathHandsOutTheBodyAsItArrivesAndKeepsConnectionClose) {
    net::response_head head;
    answer_reader reader(head, header_limit);
    reader.reset(false);
    boost::beast::error_code ec;
    const std::string_view first =
        "HTTP/1.1 503 Busy\r\nconnection: Close\r\ncontent-length: 6\r\n\r\nab";
    std::size_t used = reader.put(boost::asio::buffer(first.data(), first.size()), ec);
    ASSERT_FALSE(ec);
    ASSERT_TRUE(reader.fast());
    ASSERT_TRUE(reader.is_header_done());
    EXPECT_FALSE(reader.keep_alive());
    EXPECT_EQ(head.status, 503U);
    const std::string_view rest = first.substr(used);
    used = reader.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    EXPECT_EQ(used, 2U);
    // A piece not yet taken holds the next one back.
    EXPECT_EQ(reader.put(boost::asio::buffer("cd", 2), ec), 0U);
    EXPECT_EQ(ec, http::error::need_buffer);
    EXPECT_EQ(reader.take_piece(), "ab");
    EXPECT_EQ(reader.put(boost::asio::buffer("cdefgh", 6), ec), 4U);  // never past the length
    EXPECT_FALSE(ec);
    EXPECT_EQ(reader.take_piece(), "cdef");
    EXPECT_TRUE(reader.is_done());
}

TEST(AnswerReader, AnswerCutShortOfItsLengthIsAPartialMessage) {
    read_answer a("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    EXPECT_TRUE(a.reader.fast());
    EXPECT_EQ(a.ec, http::error::need_more);
    EXPECT_FALSE(a.reader.is_done());
    EXPECT_FALSE(a.reader.need_eof());
    boost::beast::error_code ec;
    a.reader.put_eof(ec);
    EXPECT_EQ(ec, http::error::partial_message);
}

// Whatever the fast path does not take, Beast's parser reads as before: same results.
TEST(AnswerReader, OtherFramingsGoToTheParser) {
    const read_answer chunked(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    ASSERT_FALSE(chunked.ec) << chunked.ec.message();
    EXPECT_FALSE(chunked.reader.fast());
    EXPECT_EQ(chunked.body, "abc");
    EXPECT_FALSE(chunked.reader.content_length());

    const read_answer until_close("HTTP/1.1 200 OK\r\nServer: x\r\n\r\nabc");
    EXPECT_FALSE(until_close.reader.fast());
    EXPECT_TRUE(until_close.reader.need_eof());
    EXPECT_EQ(until_close.body, "abc");

    const read_answer old("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    ASSERT_FALSE(old.ec);
    EXPECT_FALSE(old.reader.fast());
    EXPECT_EQ(old.head.version, 10U);
    EXPECT_FALSE(old.reader.keep_alive());

    const read_answer no_content("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
    ASSERT_FALSE(no_content.ec);
    EXPECT_FALSE(no_content.reader.fast());
    EXPECT_TRUE(no_content.reader.is_done());

    const read_answer interim("HTTP/1.1 100 Continue\r\n\r\n");
    EXPECT_FALSE(interim.reader.fast());
    EXPECT_EQ(interim.head.status, 100U);

    const read_answer head_request("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true);
    ASSERT_FALSE(head_request.ec);
    EXPECT_FALSE(head_request.reader.fast());
    EXPECT_TRUE(head_request.reader.is_done());
    EXPECT_EQ(head_request.reader.content_length(), 5U);

    const read_answer obs_text(
        "HTTP/1.1 200 OK\r\nX-Name: caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n");
    ASSERT_FALSE(obs_text.ec);
    EXPECT_FALSE(obs_text.reader.fast());
    EXPECT_EQ(obs_text.head.fields["X-Name"], "caf\xc3\xa9");

    const read_answer equal_lengths(
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx");
    ASSERT_FALSE(equal_lengths.ec);
    EXPECT_FALSE(equal_lengths.reader.fast());
    EXPECT_EQ(equal_lengths.body, "x");

    const read_answer connection_list(
        "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n");
    ASSERT_FALSE(connection_list.ec);
    EXPECT_FALSE(connection_list.reader.fast());
    EXPECT_FALSE(connection_list.reader.keep_alive());
}

TEST(AnswerReader, HeadSplitAcrossReadsIsReadWhole) {
    net::response_head head;
    answer_reader reader(head, header_limit);
    reader.reset(false);
    boost::beast::error_code ec;
    const std::string_view whole = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    // Incomplete: the parser takes it, and may take the status line already.
    const std::size_t used = reader.put(boost::asio::buffer(whole.data(), 20), ec);
    EXPECT_EQ(ec, http::error::need_more);
    EXPECT_FALSE(reader.fast());
    std::string body;
    ec = feed(reader, whole.substr(used), body);
    ASSERT_FALSE(ec);
    EXPECT_EQ(head.status, 200U);
    EXPECT_EQ(body, "hi");
}

// The fast path checks a line sixteen bytes at a time: a byte outside text anywhere in a long
// value, in either half of a block or past the last whole block, sends the head to the parser.
TEST(AnswerReader, ByteOutsideTextAnywhereInALongValueSendsTheHeadToTheParser) {
    const std::string value(40, 'v');
    for (std::size_t at = 0; at < value.size(); ++at) {
        for (const char bad : {'\0', '\x01', '\n', '\r', '\x1f', '\x7f', '\x80', '\xff'}) {
            std::string spoilt = value;
            spoilt[at] = bad;
            const read_answer a("HTTP/1.1 200 OK\r\nX-Long: " + spoilt +
                                "\r\nContent-Length: 0\r\n\r\n");
            EXPECT_FALSE(a.reader.fast()) << at << " " << int{bad};
        }
        std::string tabbed = value;
        tabbed[at] = '\t';
        const read_answer a("HTTP/1.1 200 OK\r\nX-Long: " + tabbed +
                            "\r\nContent-Length: 0\r\n\r\n");
        EXPECT_TRUE(a.reader.fast()) << at;
        const std::size_t trimmed = at == 0 ? 1 : 0;
        EXPECT_EQ(a.head.fields["X-Long"],
                  std::string_view(tabbed).substr(
                      trimmed, tabbed.size() - trimmed - (at + 1 == tabbed.size() ? 1 : 0)))
            << at;
    }
}

// A head that ends exactly where the bytes end, and every piece of it cut short: read without
// looking past the bytes given (an exact-size heap copy, so AddressSanitizer would see it).
TEST(AnswerReader, HeadAtTheEndOfTheBytesIsReadWithoutLookingPastThem) {
    const std::string_view whole =
        "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 29 Nov 2026 13:00:00 GMT\r\n"
        "Content-Type: application/json\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n";
    for (std::size_t size = 1; size <= whole.size(); ++size) {
        const std::vector<char> bytes(whole.begin(), whole.begin() + static_cast<long>(size));
        net::response_head head;
        answer_reader reader(head, header_limit);
        reader.reset(false);
        boost::beast::error_code ec;
        const std::size_t used = reader.put(boost::asio::buffer(bytes), ec);
        if (size < whole.size()) {
            EXPECT_FALSE(reader.fast()) << size;
            continue;
        }
        ASSERT_FALSE(ec) << ec.message();
        EXPECT_TRUE(reader.fast());
        EXPECT_EQ(used, whole.size());
        EXPECT_TRUE(reader.is_done());
        ASSERT_EQ(head.fields.size(), 5U);
        EXPECT_EQ(head.fields["Date"], "Sun, 29 Nov 2026 13:00:00 GMT");
        EXPECT_EQ(head.fields["connection"], "keep-alive");
    }
}

TEST(AnswerReader, SmugglingShapesAreRefusedAsTheParserRefusesThem) {
    for (const std::string_view bytes : {
             "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
             "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
             "HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc",
             "HTTP/1.1 200 OK\r\nContent Length: 3\r\n\r\nabc",
             "HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 3\r\n\r\nabc",
             "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 3\r\n\r\nabc",
         }) {
        const read_answer a(bytes);
        EXPECT_FALSE(a.reader.fast()) << bytes;
        EXPECT_TRUE(a.ec && a.ec != http::error::need_more) << bytes << ": " << a.ec.message();
    }
}

}  // namespace
}  // namespace shadowproxy::upstream
