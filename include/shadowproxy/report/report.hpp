// `shadowproxy report` (docs/report.md): reads comparison logs, aggregates per shadow, joins
// labels, measures input drift, evaluates the promotion checklist and renders text or JSON.
//
// Runs on the command's thread. build_report() throws read_error (from line_reader/csv_inputs)
// or stats::baseline_error for unreadable inputs, which run_report() turns into exit code 2 with
// the sentence on stderr; malformed log lines are counted, never fatal.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "shadowproxy/config/config.hpp"
#include "shadowproxy/report/period.hpp"
#include "shadowproxy/stats/feature_monitor.hpp"
#include "shadowproxy/stats/llm_accumulator.hpp"
#include "shadowproxy/stats/noise_floor.hpp"
#include "shadowproxy/stats/promotion.hpp"
#include "shadowproxy/stats/regression.hpp"
#include "shadowproxy/stats/segments.hpp"
#include "shadowproxy/stats/shadow_accumulator.hpp"

namespace shadowproxy::report {

enum class output_format { text, json };

struct report_options {
    std::vector<std::string> logs;  // in order; "-" is stdin
    std::optional<std::string> labels_path;
    std::optional<std::string> baseline_path;
    std::vector<std::string> feature_names;  // names of array positions (features.names)
    std::optional<std::string> shadow;       // only this shadow
    config::promotion_config promotion;
    bool allow_unevaluated = false;  // NOT EVALUATED criteria do not fail the gate
    bool defaults_applied = false;   // neither --config nor a criterion flag: say so
    config::prediction_type predictions = config::prediction_type::class_label;
    double float_abs_tolerance = 0.0;  // compare tolerances, for within_tolerance
    double float_rel_tolerance = 0.0;
    std::string id_column = "request_id";  // labels CSV columns
    std::string label_column = "label";
    output_format format = output_format::text;
};

struct malformed_line {
    std::string file;
    std::uint64_t line = 0;
    std::string reason;
};

struct shadow_report {
    stats::shadow_summary summary;
    std::uint64_t unmatched_labels = 0;  // labels without any record of this shadow
    std::optional<stats::regression_summary> regression;  // prediction_type regression
    // Worst segments (path, feature bucket) by disagreement rate or, for regression, MAE.
    std::vector<stats::segment_row> segments;
    std::optional<stats::llm_summary> llm;  // when its records compare generated text
    std::optional<stats::noise_gap> noise;  // when the noise reference has records
    stats::promotion_result promotion;
};

// Production against a second instance of itself (records with "reference": "noise").
struct noise_reference_report {
    std::string name;
    stats::shadow_summary summary;
    std::optional<stats::llm_summary> llm;
};

struct report_result {
    std::uint64_t records = 0;  // valid records read (every shadow)
    std::uint64_t malformed = 0;
    std::vector<malformed_line> malformed_samples;  // the first few
    bool has_labels = false;
    std::uint64_t labels = 0;
    std::optional<stats::features_summary> features;  // with a baseline or features in records
    std::vector<shadow_report> shadows;               // by name; never the noise reference
    std::optional<noise_reference_report> noise;
    period_summary period;
    config::prediction_type predictions = config::prediction_type::class_label;
    config::promotion_config criteria;  // as applied
    bool defaults_applied = false;
    bool allow_unevaluated = false;
};

inline constexpr std::size_t malformed_samples_kept = 5;

report_result build_report(const report_options& options);

// 0 when every shadow passes every criterion, 1 otherwise (also when there is no shadow).
int exit_code_of(const report_result& result);

void write_text(const report_result& result, std::ostream& out);
void write_json(const report_result& result, std::ostream& out);

// build, write in the requested format, exit code (2 with a sentence on err for bad input).
int run_report(const report_options& options, std::ostream& out, std::ostream& err);

}  // namespace shadowproxy::report
