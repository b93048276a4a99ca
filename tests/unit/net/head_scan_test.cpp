#include "shadowproxy/net/head_scan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace shadowproxy::net {
namespace {

// The bytes in an exact-size heap block, so AddressSanitizer sees any read past them.
struct exact {
    std::vector<char> bytes;
    explicit exact(std::string_view text) : bytes(text.begin(), text.end()) {}
    const char* begin() const { return bytes.data(); }
    const char* end() const { return bytes.data() + bytes.size(); }
};

TEST(HeadScan, TextLineEndIsTheCrOfAllTextLine) {
    const exact line("Date: Sun, 29 Nov 2026 13:00:00 GMT\r\nrest");
    EXPECT_EQ(text_line_end(line.begin(), line.end()), line.begin() + 35);
    const exact empty("\r\n");
    EXPECT_EQ(text_line_end(empty.begin(), empty.end()), empty.begin());
    const exact tabs("\ta\tb\t\r\n");
    EXPECT_EQ(text_line_end(tabs.begin(), tabs.end()), tabs.begin() + 5);
}

// Every length up to 40 (so whole 16-byte blocks, blocks and a tail, a tail alone): the CRLF is
// found wherever it lies, and a line cut before its LF, or before its CR, has no end.
TEST(HeadScan, TextLineEndAtEveryLengthWithoutReadingPastTheBytes) {
    for (std::size_t size = 0; size <= 40; ++size) {
        const std::string text = std::string(size, 'x') + "\r\n";
        const exact line(text);
        EXPECT_EQ(text_line_end(line.begin(), line.end()), line.begin() + size) << size;
        const exact no_lf(std::string_view(text).substr(0, size + 1));
        EXPECT_EQ(text_line_end(no_lf.begin(), no_lf.end()), nullptr) << size;
        const exact no_cr(std::string_view(text).substr(0, size));
        EXPECT_EQ(text_line_end(no_cr.begin(), no_cr.end()), nullptr) << size;
    }
}

// A byte that is not text at any position of a long line, in either half of a block or in the
// tail: no end, also when a CRLF follows it.
TEST(HeadScan, TextLineEndRefusesAByteThatIsNotTextAnywhere) {
    for (std::size_t at = 0; at < 40; ++at) {
        for (const char bad : {'\0', '\x01', '\n', '\x1f', '\x7f', '\x80', '\xfe', '\xff'}) {
            std::string text(40, 'v');
            text[at] = bad;
            const exact line(text + "\r\n");
            EXPECT_EQ(text_line_end(line.begin(), line.end()), nullptr) << at << " " << int{bad};
        }
        std::string text(40, 'v');
        text[at] = '\r';  // a bare CR ends the text there, but no LF follows it
        const exact line(text + "\r\n");
        EXPECT_EQ(text_line_end(line.begin(), line.end()), nullptr) << at;
    }
}

TEST(HeadScan, PlainFieldsAreScannedWithTheirFraming) {
    const exact head(
        "Server: nginx\r\nContent-Length: 34\r\nX-Long: 0123456789abcdef0123456789 \t\r\n"
        "connection: CLOSE\r\n\r\nbody");
    field_list fields;
    plain_framing framing;
    EXPECT_EQ(scan_plain_fields(head.begin(), head.end(), fields, framing), head.end() - 4);
    ASSERT_EQ(fields.size(), 4U);
    EXPECT_EQ(fields["x-long"], "0123456789abcdef0123456789");
    EXPECT_TRUE(framing.has_length);
    EXPECT_EQ(framing.content_length, 34U);
    EXPECT_TRUE(framing.close);
}

}  // namespace
}  // namespace shadowproxy::net
