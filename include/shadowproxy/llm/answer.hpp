// One side's OpenAI-compatible answer assembled from what was captured: per choice index the
// text (chat delta.content / message.content, completions text), the finish_reason and the tool
// calls (name, arguments joined across deltas), and usage.completion_tokens when sent.
//
// Plain values filled by add_event() (a streamed answer, one SSE event at a time, as the
// stream_observer sees them arrive) or assemble_body() (a whole JSON answer). One thread at a
// time; nothing throws but std::bad_alloc: a part that is not what the API sends is skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shadowproxy::llm {

struct tool_call {
    std::string name;
    std::string arguments;  // as sent: a JSON text, joined across deltas when streamed

    bool operator==(const tool_call&) const = default;
};

struct choice {
    std::size_t index = 0;
    std::string text;
    std::optional<std::string> finish_reason;
    std::vector<tool_call> tool_calls;
};

// Choices above this index are ignored (n is small in practice; this bounds a hostile stream).
inline constexpr std::size_t max_choices = 64;
// Tool calls per choice kept, likewise.
inline constexpr std::size_t max_tool_calls = 64;

struct answer {
    std::vector<choice> choices;                     // sorted by index
    std::optional<std::uint64_t> completion_tokens;  // usage.completion_tokens
    std::uint64_t content_events = 0;  // streamed events that carried text or a tool call
    bool streamed = false;
    bool done = false;   // a streamed answer's "[DONE]" came
    bool valid = false;  // at least one part parsed as an OpenAI answer

    // The choice with this index, created when missing; null past max_choices.
    choice* at(std::size_t index);
    const choice* find(std::size_t index) const;
};

// Adds one SSE event's data; true when it carried content (text or a tool call piece), the
// events that time TTFT and inter-token latency.
bool add_event(answer& out, std::string_view data);

// A whole (non-streamed) answer; valid is false when the body is not one.
answer assemble_body(std::string_view body);

}  // namespace shadowproxy::llm
