// An incremental parser of Server-Sent Events (the WHATWG event-stream format) as OpenAI-style
// streams send them: fed bytes as they arrive, in pieces cut anywhere (inside a line, between
// "\r" and "\n", inside a UTF-8 sequence), it hands out the data of each complete event.
//
// Lines end with "\r\n", "\n" or "\r"; comment lines (":" first, the keep-alives) and the fields
// event/id/retry are skipped; the "data" lines of one event are joined with "\n" and the event
// is complete at the blank line after them (an event without data is none). An event whose
// data grows past max_event_bytes is dropped whole (counted in dropped()), so memory stays
// bounded. Owned by one stream_observer, on one thread; never throws but std::bad_alloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shadowproxy::llm {

class sse_parser {
public:
    explicit sse_parser(std::size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

    // Appends the data of every event completed by `bytes` to `events` (cleared first).
    void feed(std::string_view bytes, std::vector<std::string>& events);

    std::uint64_t dropped() const { return dropped_; }

private:
    void end_line(std::vector<std::string>& events);

    std::size_t max_event_bytes_;
    std::string line_;  // the current line so far
    std::string data_;  // the current event's data so far
    bool has_data_ = false;
    bool after_cr_ = false;       // the last byte was "\r": a "\n" next ends nothing more
    bool line_too_long_ = false;  // the current line went past the bound: ignored
    bool event_too_long_ = false;
    std::uint64_t dropped_ = 0;
};

}  // namespace shadowproxy::llm
