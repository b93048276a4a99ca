// The promotion checklist (SPEC §7, §9): measured values of one shadow against the config's
// `promotion` criteria. A pure function; any thread may call it; it does not throw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shadowproxy/config/config.hpp"
#include "shadowproxy/stats/feature_monitor.hpp"
#include "shadowproxy/stats/shadow_accumulator.hpp"

namespace shadowproxy::stats {

// One line of the checklist, named by its config key. A missing value (nothing measured) fails.
// threshold is missing only for shadow_accuracy when production's accuracy is undefined.
struct criterion_result {
    std::string name;
    std::optional<double> threshold;
    std::optional<double> value;
    bool passed = false;
};

struct promotion_result {
    bool passed = false;  // every criterion passed
    std::vector<criterion_result> criteria;
};

// What was measured for one shadow; optional members are absent when undefined.
struct promotion_inputs {
    std::uint64_t requests = 0;
    std::optional<double> agreement;
    std::optional<double> shadow_p95_ms;
    std::optional<double> shadow_error_rate;
    // With labels: shadow_accuracy passes when shadow accuracy >= production accuracy.
    bool has_labels = false;
    std::optional<double> production_accuracy;
    std::optional<double> shadow_accuracy;
    // With a features baseline: the largest PSI of any feature.
    bool has_baseline = false;
    std::optional<double> max_feature_psi;
};

// Criteria in this order: min_requests, min_agreement, max_shadow_p95_ms, max_shadow_error_rate,
// then shadow_accuracy (labels only) and max_feature_psi (baseline only). min_* passes at
// value >= threshold, max_* at value <= threshold.
promotion_result evaluate_promotion(const config::promotion_config& criteria,
                                    const promotion_inputs& measured);

// The measured values of one shadow, as /stats and `report` both fill them: its summary,
// whether labels were joined, and the features summary when input monitoring runs (nullptr
// otherwise; its max_psi counts only with a baseline).
promotion_inputs promotion_inputs_of(const shadow_summary& summary, bool has_labels,
                                     const features_summary* features);

}  // namespace shadowproxy::stats
