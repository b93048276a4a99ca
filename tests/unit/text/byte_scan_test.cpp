#include "shadowproxy/text/byte_scan.hpp"

#include <gtest/gtest.h>

#include <string>

namespace shadowproxy::text {
namespace {

constexpr stop_bytes header_text{'\x7F', '\x7F', '\t'};
constexpr stop_bytes json_escaped{'"', '\\', ' '};

TEST(ByteScan, StopsAtTheClassesEachUserNames) {
    EXPECT_FALSE(stops_at(header_text, '\t'));
    EXPECT_FALSE(stops_at(header_text, ' '));
    EXPECT_FALSE(stops_at(header_text, '~'));
    EXPECT_TRUE(stops_at(header_text, '\x7F'));
    EXPECT_TRUE(stops_at(header_text, '\r'));
    EXPECT_TRUE(stops_at(header_text, '\x80'));
    EXPECT_TRUE(stops_at(json_escaped, '\t'));
    EXPECT_TRUE(stops_at(json_escaped, '"'));
    EXPECT_TRUE(stops_at(json_escaped, '\\'));
    EXPECT_TRUE(stops_at(json_escaped, '\0'));
    EXPECT_TRUE(stops_at(json_escaped, '\xFF'));
    EXPECT_FALSE(stops_at(json_escaped, '\x7F'));
    EXPECT_FALSE(stops_at(json_escaped, ' '));
}

// Every byte value at every position of a 40-byte run (the 16-byte blocks and the tail) is
// found where the one-byte-at-a-time definition puts it, and nothing is read past the end.
TEST(ByteScan, FindsTheFirstStopInBlocksAndTailAlike) {
    for (const stop_bytes stops : {header_text, json_escaped}) {
        for (int value = 0; value < 256; ++value) {
            const char c = static_cast<char>(value);
            for (std::size_t at = 0; at < 40; ++at) {
                std::string bytes(40, 'a');
                bytes[at] = c;
                const char* const begin = bytes.data();
                const char* const end = begin + bytes.size();
                const std::size_t expected = stops_at(stops, c) ? at : bytes.size();
                ASSERT_EQ(static_cast<std::size_t>(find_stop(begin, end, stops) - begin), expected)
                    << "byte " << value << " at " << at;
                // Cut just before the byte: the scan ends at the cut.
                ASSERT_EQ(find_stop(begin, begin + at, stops), begin + at);
            }
        }
    }
}

}  // namespace
}  // namespace shadowproxy::text
