#include "shadowproxy/stats/llm_accumulator.hpp"

#include <algorithm>
#include <cmath>

namespace shadowproxy::stats {

namespace {

constexpr std::string_view null_reason = "null";
constexpr std::string_view other_reason = "other";

spread spread_of(latency_store& store) {
    return {store.quantile(0.50), store.quantile(0.95), store.quantile(0.99), store.count()};
}

void record_if(latency_store& store, const std::optional<double>& value) {
    if (value && std::isfinite(*value)) {
        store.record(*value);
    }
}

}  // namespace

mean_summary mean_of(std::uint64_t n, double sum, double squares) {
    mean_summary out;
    out.n = n;
    if (n == 0) {
        return out;
    }
    const auto count = static_cast<double>(n);
    const double mean = sum / count;
    out.mean = mean;
    out.ci95 = {mean, mean};
    if (n > 1) {
        const double variance = std::max(0.0, (squares - count * mean * mean) / (count - 1));
        out.variance = variance;
        const double half = z_95 * std::sqrt(variance / count);
        out.ci95 = {mean - half, mean + half};
    }
    return out;
}

llm_accumulator::llm_accumulator(latency_mode mode)
    : similarity_(mode),
      f1_(mode),
      length_ratio_(mode),
      production_ttft_(mode),
      shadow_ttft_(mode),
      ttft_delta_(mode),
      production_itl_(mode),
      shadow_itl_(mode),
      production_rate_(mode),
      shadow_rate_(mode) {}

std::string llm_accumulator::finish_key(std::string_view reason) {
    if (reason.empty()) {
        return std::string{null_reason};
    }
    if (known_reasons_.find(reason) != known_reasons_.end()) {
        return std::string{reason};
    }
    if (known_reasons_.size() >= max_finish_reasons) {
        return std::string{other_reason};
    }
    known_reasons_.emplace(std::string{reason}, true);
    return std::string{reason};
}

void llm_accumulator::add(const llm_observation& record) {
    const bool production_side = record.production_ttft_ms || record.production_tokens_per_s;
    const bool shadow_side = record.shadow_ttft_ms || record.shadow_tokens_per_s;
    any_ = any_ || record.agreement || production_side || shadow_side;
    record_if(production_ttft_, record.production_ttft_ms);
    record_if(shadow_ttft_, record.shadow_ttft_ms);
    if (record.production_ttft_ms && record.shadow_ttft_ms) {
        ttft_delta_.record(*record.shadow_ttft_ms - *record.production_ttft_ms);
    }
    record_if(production_itl_, record.production_itl_ms);
    record_if(shadow_itl_, record.shadow_itl_ms);
    record_if(production_rate_, record.production_tokens_per_s);
    record_if(shadow_rate_, record.shadow_tokens_per_s);
    if (!record.agreement) {
        return;
    }
    const llm_agreement& agreement = *record.agreement;
    ++compared_;
    exact_ += agreement.exact_match ? 1 : 0;
    finish_mismatches_ += agreement.finish_reason_match ? 0 : 1;
    if (record.tool_calls_seen) {
        ++tool_records_;
        tool_agreements_ += agreement.tool_calls_match ? 1 : 0;
    }
    similarity_sum_ += agreement.text_similarity;
    similarity_squares_ += agreement.text_similarity * agreement.text_similarity;
    f1_sum_ += agreement.token_f1;
    f1_squares_ += agreement.token_f1 * agreement.token_f1;
    similarity_.record(agreement.text_similarity);
    f1_.record(agreement.token_f1);
    record_if(length_ratio_, agreement.length_ratio);
    ++finish_reasons_[{finish_key(record.production_finish), finish_key(record.shadow_finish)}];
}

llm_summary llm_accumulator::summarize() {
    llm_summary out;
    out.compared = compared_;
    out.exact_matches = exact_;
    if (compared_ > 0) {
        const auto n = static_cast<double>(compared_);
        out.exact_match_rate = static_cast<double>(exact_) / n;
        out.exact_match_ci95 = wilson_interval(exact_, compared_);
        out.finish_reason_mismatch_rate = static_cast<double>(finish_mismatches_) / n;
    }
    out.tool_call_records = tool_records_;
    if (tool_records_ > 0) {
        out.tool_call_agreement =
            static_cast<double>(tool_agreements_) / static_cast<double>(tool_records_);
    }
    out.text_similarity = mean_of(compared_, similarity_sum_, similarity_squares_);
    out.text_similarity.p10 = similarity_.quantile(0.10);
    out.text_similarity.p50 = similarity_.quantile(0.50);
    out.token_f1 = mean_of(compared_, f1_sum_, f1_squares_);
    out.token_f1.p10 = f1_.quantile(0.10);
    out.token_f1.p50 = f1_.quantile(0.50);
    out.production_ttft = spread_of(production_ttft_);
    out.shadow_ttft = spread_of(shadow_ttft_);
    out.ttft_delta = spread_of(ttft_delta_);
    out.production_itl = spread_of(production_itl_);
    out.shadow_itl = spread_of(shadow_itl_);
    out.production_tokens_per_s = spread_of(production_rate_);
    out.shadow_tokens_per_s = spread_of(shadow_rate_);
    out.length_ratio_n = length_ratio_.count();
    out.length_ratio_p10 = length_ratio_.quantile(0.10);
    out.length_ratio_p50 = length_ratio_.quantile(0.50);
    out.length_ratio_p90 = length_ratio_.quantile(0.90);
    out.finish_reasons = finish_reasons_;
    return out;
}

}  // namespace shadowproxy::stats
