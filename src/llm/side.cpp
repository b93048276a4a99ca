#include "shadowproxy/llm/side.hpp"

#include <algorithm>
#include <cmath>

#include "shadowproxy/llm/text_metrics.hpp"

namespace shadowproxy::llm {

namespace {

// Nearest-rank percentile of the kept gaps (sorted in place).
double percentile(std::vector<float>& values, double q) {
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

bool has_content(const answer& a) {
    return std::any_of(a.choices.begin(), a.choices.end(),
                       [](const choice& c) { return !c.text.empty() || !c.tool_calls.empty(); });
}

}  // namespace

std::optional<side_answer> side_of(const observed_stream& seen, std::string_view body,
                                   double latency_ms) {
    side_answer out;
    if (seen.sse) {
        out.assembled = seen.assembled;
        out.ttft_ms = seen.first_content_ms;
        if (seen.gap_count > 0) {
            out.itl_ms_mean = seen.gap_sum_ms / static_cast<double>(seen.gap_count);
            std::vector<float> gaps = seen.gaps_ms;
            out.itl_ms_p95 = percentile(gaps, 0.95);
        }
    } else {
        out.assembled = assemble_body(body);
        if (has_content(out.assembled)) {
            out.ttft_ms = latency_ms;
        }
    }
    if (!out.assembled.valid) {
        return std::nullopt;
    }
    if (out.assembled.completion_tokens) {
        out.output_tokens = *out.assembled.completion_tokens;
    } else {
        out.tokens_estimated = true;
        if (out.assembled.streamed) {
            out.output_tokens = out.assembled.content_events;
        } else {
            for (const auto& c : out.assembled.choices) {
                out.output_tokens += tokens(c.text).size();
            }
        }
    }
    if (latency_ms > 0) {
        out.tokens_per_s = static_cast<double>(out.output_tokens) / (latency_ms / 1000.0);
    }
    return out;
}

}  // namespace shadowproxy::llm
