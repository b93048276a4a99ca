// Fake OpenAI-compatible upstreams for the LLM tests, on top of stream_upstream: a streamed chat
// answer (SSE events written as chunks with a pause between them, optionally with comments,
// pieces cut inside UTF-8 sequences, or a connection dropped mid-stream) and a whole JSON answer.
//
// The answer functions run on stream_upstream's per-connection threads; what they note (a write
// that failed: the proxy closed the connection) goes to atomics the test reads. Nothing throws.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/stream_upstream.hpp"

namespace shadowproxy::testing {

// One "data: {chat.completion.chunk}\n\n" event carrying `content`.
std::string chat_delta(const std::string& content);
// The last chunk (finish_reason) and, when tokens >= 0, a usage chunk; then "data: [DONE]".
std::vector<std::string> chat_end(const std::string& finish_reason, int completion_tokens = -1);

struct sse_script {
    std::vector<std::string> events;      // whole SSE events (or comment lines), in order
    std::chrono::milliseconds delay{10};  // before each event after the first
    // Each event is written in two chunks cut this many bytes before its end (0: one chunk per
    // event); a cut inside a multi-byte character tests UTF-8 split across reads.
    std::size_t split_from_end = 0;
    int drop_after = -1;  // close the connection (no last chunk) after this many events
};

// Counters the answers fill in while they run.
struct upstream_notes {
    std::atomic<int> requests{0};
    std::atomic<int> write_failures{0};  // the proxy closed the connection mid-answer
};

stream_answer sse_answer(sse_script script, std::shared_ptr<upstream_notes> notes = nullptr);
stream_answer json_answer(std::string body);

}  // namespace shadowproxy::testing
