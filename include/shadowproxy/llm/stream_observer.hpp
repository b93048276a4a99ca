// Watches one side's captured answer as it arrives (an upstream::capture_observer): a streamed
// (SSE) answer is parsed and assembled event by event, and the arrival time of every event that
// carries content is noted, which is what makes ttft_ms and the inter-token latencies real. Any
// other body (a whole JSON answer) is left alone here and assembled at the end (side_of()).
//
// Made per exchange by whoever reads the answer (the production relay's session on a worker,
// the shadow on the mirror thread) and used on that thread only; take() hands the result over
// once the answer is complete. Never throws from on_captured (std::bad_alloc aside, which ends
// the process as anywhere else); memory is bounded by the capture.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowproxy/config/config.hpp"
#include "shadowproxy/llm/answer.hpp"
#include "shadowproxy/llm/sse_parser.hpp"
#include "shadowproxy/upstream/capture_observer.hpp"

namespace shadowproxy::llm {

// Inter-token gaps kept for the p95: a stream with more content events is timed on its first
// max_gaps ones (the mean stays exact).
inline constexpr std::size_t max_gaps = 65536;

// What an observer saw of a streamed answer.
struct observed_stream {
    bool sse = false;                        // the body was an event stream
    answer assembled;                        // when sse
    std::optional<double> first_content_ms;  // from the request's start to the first content
    double last_content_ms = 0;
    std::uint64_t gap_count = 0;
    double gap_sum_ms = 0;
    std::vector<float> gaps_ms;  // at most max_gaps
};

class stream_observer final : public upstream::capture_observer {
public:
    // started: when the request went out (times are measured from it).
    explicit stream_observer(std::chrono::steady_clock::time_point started,
                             std::size_t max_event_bytes);

    void on_captured(std::string_view piece,
                     std::chrono::steady_clock::time_point arrived) noexcept override;

    observed_stream take() { return std::move(seen_); }

private:
    enum class form { unknown, sse, other };

    std::chrono::steady_clock::time_point started_;
    form form_ = form::unknown;
    sse_parser parser_;
    std::vector<std::string> events_;
    observed_stream seen_;
};

// An observer for a request on `path` starting now, when compare.mode is openai and the path is
// one of compare.openai.paths; null otherwise (nothing is observed, nothing costs).
std::shared_ptr<stream_observer> observer_for(const config::compare_config& settings,
                                              std::string_view path);

}  // namespace shadowproxy::llm
