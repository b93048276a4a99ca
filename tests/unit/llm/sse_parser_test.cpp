#include "shadowproxy/llm/sse_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shadowproxy::llm {
namespace {

// Feeds `text` cut into pieces of `step` bytes; returns every event's data.
std::vector<std::string> parse_in_pieces(const std::string& text, std::size_t step,
                                         std::size_t limit = 1 << 20) {
    sse_parser parser(limit);
    std::vector<std::string> all;
    std::vector<std::string> events;
    for (std::size_t i = 0; i < text.size(); i += step) {
        parser.feed(std::string_view(text).substr(i, step), events);
        all.insert(all.end(), events.begin(), events.end());
    }
    return all;
}

TEST(SseParser, EventsCommentsAndDone) {
    const std::string stream =
        ": keep-alive\n\n"
        "event: message\nid: 1\ndata: {\"a\":1}\n\n"
        ":ping\n"
        "data:{\"b\":2}\n\n"
        "retry: 100\n\n"
        "data: [DONE]\n\n";
    const std::vector<std::string> expected{"{\"a\":1}", "{\"b\":2}", "[DONE]"};
    for (std::size_t step = 1; step <= stream.size(); ++step) {
        EXPECT_EQ(parse_in_pieces(stream, step), expected) << "step " << step;
    }
}

TEST(SseParser, LineEndingsCrLfAndCrEvenWhenCutBetween) {
    const std::string stream = "data: one\r\n\r\ndata: two\r\rdata: three\n\n";
    const std::vector<std::string> expected{"one", "two", "three"};
    for (std::size_t step = 1; step <= stream.size(); ++step) {
        EXPECT_EQ(parse_in_pieces(stream, step), expected) << "step " << step;
    }
}

TEST(SseParser, MultiLineDataJoinedWithNewline) {
    EXPECT_EQ(parse_in_pieces("data: a\ndata: b\n\n", 3), std::vector<std::string>{"a\nb"});
}

TEST(SseParser, Utf8SplitAcrossPiecesIsKeptWhole) {
    const std::string stream = "data: {\"t\":\"\xf0\x9f\x98\x80 \xc3\xa9\"}\n\n";
    for (std::size_t step = 1; step < 8; ++step) {
        const auto events = parse_in_pieces(stream, step);
        ASSERT_EQ(events.size(), 1U);
        EXPECT_EQ(events[0], "{\"t\":\"\xf0\x9f\x98\x80 \xc3\xa9\"}");
    }
}

TEST(SseParser, UnterminatedEventIsNotDispatched) {
    EXPECT_TRUE(parse_in_pieces("data: partial\n", 4).empty());
}

TEST(SseParser, OversizedEventIsDroppedAndCounted) {
    sse_parser parser(16);
    std::vector<std::string> events;
    parser.feed("data: " + std::string(64, 'x') + "\n\ndata: ok\n\n", events);
    EXPECT_EQ(events, std::vector<std::string>{"ok"});
    EXPECT_EQ(parser.dropped(), 1U);
}

}  // namespace
}  // namespace shadowproxy::llm
