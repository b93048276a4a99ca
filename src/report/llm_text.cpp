#include "report/llm_text.hpp"

#include <string>

#include "report/text_format.hpp"

namespace shadowproxy::report {

namespace {

using text::number;
using text::pad_left;
using text::pad_right;
using text::percent;

constexpr std::size_t name_width = 28;
constexpr std::size_t llm_cell = 12;

void spread_row(const char* name, const stats::spread& s, std::ostream& out) {
    out << "  " << pad_right(name, name_width) << pad_left(number(s.p50, "%.3f"), llm_cell)
        << pad_left(number(s.p95, "%.3f"), llm_cell) << pad_left(number(s.p99, "%.3f"), llm_cell)
        << pad_left(std::to_string(s.n), llm_cell) << "\n";
}

void mean_row(const char* name, const stats::mean_summary& m, std::ostream& out) {
    out << "  " << pad_right(name, name_width) << pad_left(number(m.mean), llm_cell);
    if (m.mean) {
        out << "  (95% CI " << number(m.ci95.low) << " - " << number(m.ci95.high) << ")";
    }
    out << "  p10 " << number(m.p10) << "  p50 " << number(m.p50) << "\n";
}

}  // namespace

void write_llm(const stats::llm_summary& llm, std::ostream& out) {
    out << "  Generated text (" << llm.compared << " records compared)\n";
    mean_row("Text similarity (mean)", llm.text_similarity, out);
    mean_row("Token F1 (mean)", llm.token_f1, out);
    out << "  " << pad_right("Exact match", name_width)
        << pad_left(percent(llm.exact_match_rate), llm_cell) << "  ("
        << text::interval_text(llm.exact_match_ci95) << ")\n";
    out << "  " << pad_right("Tool-call agreement", name_width)
        << pad_left(percent(llm.tool_call_agreement), llm_cell) << "  (" << llm.tool_call_records
        << " records with a tool call)\n";
    out << "  " << pad_right("finish_reason mismatch", name_width)
        << pad_left(percent(llm.finish_reason_mismatch_rate), llm_cell) << "\n";
    out << "  " << pad_right("Length ratio (shadow/prod)", name_width) << "  p10 "
        << number(llm.length_ratio_p10, "%.3f") << "  p50 " << number(llm.length_ratio_p50, "%.3f")
        << "  p90 " << number(llm.length_ratio_p90, "%.3f") << "\n\n";
    out << "  " << pad_right("Timing", name_width) << pad_left("p50", llm_cell)
        << pad_left("p95", llm_cell) << pad_left("p99", llm_cell) << pad_left("n", llm_cell)
        << "\n";
    spread_row("TTFT ms, production", llm.production_ttft, out);
    spread_row("TTFT ms, shadow", llm.shadow_ttft, out);
    spread_row("TTFT ms, delta (paired)", llm.ttft_delta, out);
    spread_row("Inter-token ms, production", llm.production_itl, out);
    spread_row("Inter-token ms, shadow", llm.shadow_itl, out);
    spread_row("Tokens/s, production", llm.production_tokens_per_s, out);
    spread_row("Tokens/s, shadow", llm.shadow_tokens_per_s, out);
    if (!llm.finish_reasons.empty()) {
        out << "\n  finish_reason (production -> shadow: records)\n";
        for (const auto& [pair, count] : llm.finish_reasons) {
            out << "    " << pair.first << " -> " << pair.second << ": " << count << "\n";
        }
    }
}

void write_noise(const stats::noise_gap& gap, std::ostream& out) {
    out << "  Noise floor (" << gap.metric << "): production vs itself " << number(gap.floor)
        << " (n = " << gap.floor_n << "), vs this shadow " << number(gap.candidate)
        << " (n = " << gap.candidate_n << ")\n";
    out << "  Gap to noise    " << number(gap.gap) << "  (95% CI " << number(gap.ci95.low) << " - "
        << number(gap.ci95.high) << ")\n";
}

void write_noise_reference(const noise_reference_report& noise, std::ostream& out) {
    out << "== Noise reference " << noise.name << ": " << noise.summary.requests
        << " requests (production vs a second instance of itself) ==\n";
    out << "  Agreement       " << percent(noise.summary.agreement_rate)
        << "  (n = " << noise.summary.agreement_n << ")\n";
    if (noise.llm) {
        write_llm(*noise.llm, out);
    }
    out << "\n";
}

}  // namespace shadowproxy::report
