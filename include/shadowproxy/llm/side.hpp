// One side's generated answer with its timing, as the record's `llm` object carries it:
// ttft_ms, inter-token latency (mean, p95), output_tokens (usage, else counted), tokens_per_s,
// finish_reason and tool calls.
//
// side_of() is a pure function of what the observer saw and the captured body; called on the
// mirror thread when the comparison runs. Never throws but std::bad_alloc.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "shadowproxy/llm/answer.hpp"
#include "shadowproxy/llm/stream_observer.hpp"

namespace shadowproxy::llm {

struct side_answer {
    answer assembled;
    std::optional<double> ttft_ms;  // request start to the first event carrying content
    std::optional<double> itl_ms_mean, itl_ms_p95;  // gaps between content events
    std::uint64_t output_tokens = 0;
    bool tokens_estimated = false;  // no usage: counted content events (or words, whole answers)
    std::optional<double> tokens_per_s;  // output_tokens over the whole exchange's latency
};

// The side's answer, or none when the body is not an OpenAI answer (an error body, garbage).
// A whole (non-streamed) answer's content arrives with its last byte: ttft_ms is latency_ms.
std::optional<side_answer> side_of(const observed_stream& seen, std::string_view body,
                                   double latency_ms);

}  // namespace shadowproxy::llm
