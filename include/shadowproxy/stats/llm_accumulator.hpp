// Running statistics of generated-text comparisons (compare.mode openai) for one shadow: text
// similarity and token F1 (mean with a 95% CI, p10, p50), exact-match rate, TTFT of each side
// and the paired delta, inter-token latency, tokens/s, the output length ratio, the
// finish_reason confusion and tool-call agreement (docs/report.md, "llm").
//
// Owned by one thread (report's reader, or the proxy's comparison thread); not thread-safe.
// Memory grows with the records in latency_mode::exact (report) and stays bounded with
// latency_mode::sketch (/stats); finish_reason classes are kept up to max_finish_reasons, later
// ones count as "other". Never throws but std::bad_alloc.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shadowproxy/stats/agreement.hpp"
#include "shadowproxy/stats/llm_agreement.hpp"
#include "shadowproxy/stats/quantiles.hpp"

namespace shadowproxy::stats {

// One record's generated-text fields; a side's values are absent when it had no `llm`.
struct llm_observation {
    std::optional<llm_agreement> agreement;  // the record's llm_compare, when present
    bool tool_calls_seen = false;            // either side called a tool
    std::optional<double> production_ttft_ms, shadow_ttft_ms;
    std::optional<double> production_itl_ms, shadow_itl_ms;  // the record's mean gap
    std::optional<double> production_tokens_per_s, shadow_tokens_per_s;
    std::string_view production_finish, shadow_finish;  // empty = null
};

// A mean with its 95% normal-approximation interval and two quantiles.
struct mean_summary {
    std::uint64_t n = 0;
    std::optional<double> mean;
    std::optional<double> variance;  // sample variance (n - 1), for gap intervals
    interval ci95{0, 0};
    std::optional<double> p10, p50;
};

struct spread {
    std::optional<double> p50, p95, p99;
    std::uint64_t n = 0;
};

struct llm_summary {
    std::uint64_t compared = 0;  // records with llm_compare
    std::uint64_t exact_matches = 0;
    std::optional<double> exact_match_rate;
    interval exact_match_ci95;
    mean_summary text_similarity, token_f1;
    spread production_ttft, shadow_ttft, ttft_delta;  // delta: shadow - production, paired
    spread production_itl, shadow_itl;
    spread production_tokens_per_s, shadow_tokens_per_s;
    std::optional<double> length_ratio_p10, length_ratio_p50, length_ratio_p90;
    std::uint64_t length_ratio_n = 0;
    // (production finish_reason, shadow finish_reason) → records; "null" for none.
    std::map<std::pair<std::string, std::string>, std::uint64_t> finish_reasons;
    std::optional<double> finish_reason_mismatch_rate;
    // Over the compared records where either side called a tool: tool_calls_match.
    std::optional<double> tool_call_agreement;
    std::uint64_t tool_call_records = 0;
};

// The 95% normal interval of a mean from its count, sum and sum of squares.
mean_summary mean_of(std::uint64_t n, double sum, double squares);

class llm_accumulator {
public:
    static constexpr std::size_t max_finish_reasons = 32;

    explicit llm_accumulator(latency_mode mode);

    void add(const llm_observation& record);
    std::uint64_t compared() const { return compared_; }
    bool any() const { return any_; }
    // Sorts stored values, hence not const; add() may continue afterwards.
    llm_summary summarize();

private:
    std::string finish_key(std::string_view reason);

    bool any_ = false;  // any record with an llm side or llm_compare
    std::uint64_t compared_ = 0;
    std::uint64_t exact_ = 0;
    std::uint64_t finish_mismatches_ = 0;
    std::uint64_t tool_records_ = 0;
    std::uint64_t tool_agreements_ = 0;
    // Sums for the means (exact in either mode) and the values for the quantiles.
    double similarity_sum_ = 0, similarity_squares_ = 0;
    double f1_sum_ = 0, f1_squares_ = 0;
    latency_store similarity_, f1_, length_ratio_;
    latency_store production_ttft_, shadow_ttft_, ttft_delta_;
    latency_store production_itl_, shadow_itl_;
    latency_store production_rate_, shadow_rate_;
    std::map<std::pair<std::string, std::string>, std::uint64_t> finish_reasons_;
    std::map<std::string, bool, std::less<>> known_reasons_;
};

}  // namespace shadowproxy::stats
