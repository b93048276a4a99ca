#include "shadowproxy/stats/llm_json.hpp"

namespace shadowproxy::stats {

namespace {

ordered_json spread_json(const spread& s) {
    return {{"p50", optional_number(s.p50)},
            {"p95", optional_number(s.p95)},
            {"p99", optional_number(s.p99)},
            {"n", s.n}};
}

ordered_json mean_json(const mean_summary& m) {
    ordered_json ci = nullptr;
    if (m.mean) {
        ci = ordered_json::array({m.ci95.low, m.ci95.high});
    }
    return {{"mean", optional_number(m.mean)},
            {"ci95", ci},
            {"p10", optional_number(m.p10)},
            {"p50", optional_number(m.p50)},
            {"n", m.n}};
}

}  // namespace

ordered_json to_json(const llm_summary& summary) {
    ordered_json confusion = ordered_json::array();
    for (const auto& [pair, count] : summary.finish_reasons) {
        confusion.push_back(
            {{"production", pair.first}, {"shadow", pair.second}, {"count", count}});
    }
    return {{"compared", summary.compared},
            {"exact_match", agreement_to_json(summary.exact_matches, summary.compared)},
            {"text_similarity", mean_json(summary.text_similarity)},
            {"token_f1", mean_json(summary.token_f1)},
            {"ttft_ms",
             {{"production", spread_json(summary.production_ttft)},
              {"shadow", spread_json(summary.shadow_ttft)},
              {"delta", spread_json(summary.ttft_delta)}}},
            {"itl_ms",
             {{"production", spread_json(summary.production_itl)},
              {"shadow", spread_json(summary.shadow_itl)}}},
            {"tokens_per_s",
             {{"production", spread_json(summary.production_tokens_per_s)},
              {"shadow", spread_json(summary.shadow_tokens_per_s)}}},
            {"length_ratio",
             {{"p10", optional_number(summary.length_ratio_p10)},
              {"p50", optional_number(summary.length_ratio_p50)},
              {"p90", optional_number(summary.length_ratio_p90)},
              {"n", summary.length_ratio_n}}},
            {"finish_reason",
             {{"mismatch_rate", optional_number(summary.finish_reason_mismatch_rate)},
              {"confusion", confusion}}},
            {"tool_call_agreement", optional_number(summary.tool_call_agreement)},
            {"tool_call_records", summary.tool_call_records}};
}

ordered_json to_json(const noise_gap& gap) {
    return {{"metric", gap.metric},
            {"floor", gap.floor},
            {"floor_n", gap.floor_n},
            {"candidate", gap.candidate},
            {"candidate_n", gap.candidate_n},
            {"gap", gap.gap},
            {"ci95", ordered_json::array({gap.ci95.low, gap.ci95.high})}};
}

}  // namespace shadowproxy::stats
