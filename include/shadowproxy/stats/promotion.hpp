// The promotion checklist: measured values of one shadow against the config's `promotion`
// criteria. A pure function; any thread may call it; it does not throw.
//
// A criterion is PASS, FAIL, or NOT EVALUATED (with a reason) when what it needs is missing: no
// labels for shadow_accuracy/shadow_mae, no baseline for a configured max_feature_psi, nothing
// measured (no records). A NOT EVALUATED criterion fails the checklist unless the caller allows
// it; it is never left out silently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shadowproxy/config/config.hpp"
#include "shadowproxy/stats/feature_monitor.hpp"
#include "shadowproxy/stats/llm_accumulator.hpp"
#include "shadowproxy/stats/shadow_accumulator.hpp"

namespace shadowproxy::stats {

// One line of the checklist, named by its config key.
struct criterion_result {
    std::string name;
    std::optional<double> threshold;  // missing only when shadow_accuracy/shadow_mae lack
                                      // production's value
    std::optional<double> value;
    bool at_least = false;  // min_* and shadow_accuracy: value >= threshold; else value <= it
    bool evaluated = true;
    bool passed = false;       // meaningful only when evaluated
    bool lower_bound = false;  // value is the 95% CI's lower bound (promotion.use_lower_bound)
    std::string reason;        // why it was not evaluated
};

struct promotion_result {
    bool passed = false;  // every criterion passed (unevaluated ones only when allowed)
    std::uint64_t unevaluated = 0;
    std::vector<criterion_result> criteria;
};

// What was measured for one shadow; optional members are absent when undefined.
struct promotion_inputs {
    config::prediction_type predictions = config::prediction_type::class_label;
    std::uint64_t requests = 0;
    // class: agreement; regression: within_tolerance and MAE, shadow vs production.
    std::optional<double> agreement, agreement_low;
    std::optional<double> within_tolerance, within_tolerance_low;
    std::optional<double> mae;
    std::optional<double> shadow_p95_ms;
    std::optional<double> shadow_error_rate;
    std::optional<double> status_mismatch_rate;
    // labels_possible is false for the live /stats (no labels there: label criteria are left
    // out); has_labels says whether --labels was given.
    bool labels_possible = true;
    bool has_labels = false;
    std::optional<double> production_accuracy, shadow_accuracy;    // class, over joined records
    std::optional<double> production_label_mae, shadow_label_mae;  // regression
    // With a features baseline: the largest PSI of any feature.
    bool has_baseline = false;
    std::optional<double> max_feature_psi;
    // Generated text (compare.mode openai): min_agreement is left out (exact agreement means
    // little there); the llm criteria below are judged when configured.
    bool generated_text = false;
    std::optional<double> mean_text_similarity;
    std::optional<double> shadow_ttft_p95_ms;
    std::optional<double> tool_call_agreement;
    std::optional<double> finish_reason_mismatch_rate;
    // Noise floor minus the candidate (similarity, or agreement in json mode).
    std::optional<double> similarity_gap_to_noise;
};

// Criteria in this order: min_requests; min_agreement (class) or min_within_tolerance and, when
// set, max_mae (regression); max_shadow_p95_ms, max_shadow_error_rate, max_status_mismatch_rate;
// shadow_accuracy (class) or shadow_mae (regression) with labels or when configured;
// max_feature_psi with a baseline or when configured; then, each only when configured,
// min_mean_text_similarity, max_shadow_ttft_p95_ms, min_tool_call_agreement,
// max_finish_reason_mismatch_rate, max_similarity_gap_to_noise. min_agreement is left out for
// generated text.
promotion_result evaluate_promotion(const config::promotion_config& criteria,
                                    const promotion_inputs& measured,
                                    bool allow_unevaluated = false);

// Shadow vs production over the numeric predictions (prediction_type regression): pairs, pairs
// within the compare tolerances, their mean absolute difference and, with labels, each side's
// MAE against the labels.
struct regression_measure {
    std::uint64_t n = 0;
    std::uint64_t within = 0;
    std::optional<double> mae;
    std::optional<double> production_label_mae, shadow_label_mae;
};

// Where the measured values come from besides the shadow's summary.
struct promotion_sources {
    config::prediction_type predictions = config::prediction_type::class_label;
    bool labels_possible = true;  // false for the live /stats: no ground truth there
    bool has_labels = false;      // --labels joined
    const regression_measure* regression = nullptr;  // prediction_type regression
    // The features summary when input monitoring runs; its max_psi counts only with a baseline.
    const features_summary* features = nullptr;
    const llm_summary* llm = nullptr;  // the shadow's generated-text statistics, when any
    std::optional<double> noise_gap;   // against the noise reference, when it has records
};

// The measured values of one shadow, as /stats and `report` both fill them.
promotion_inputs promotion_inputs_of(const shadow_summary& summary,
                                     const promotion_sources& sources);

}  // namespace shadowproxy::stats
