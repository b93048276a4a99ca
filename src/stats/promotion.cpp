#include "shadowproxy/stats/promotion.hpp"

namespace shadowproxy::stats {

namespace {

criterion_result at_least(std::string name, std::optional<double> threshold,
                          std::optional<double> value) {
    const bool passed = value && threshold && *value >= *threshold;
    return {std::move(name), threshold, value, passed};
}

criterion_result at_most(std::string name, double threshold, std::optional<double> value) {
    const bool passed = value && *value <= threshold;
    return {std::move(name), threshold, value, passed};
}

}  // namespace

promotion_result evaluate_promotion(const config::promotion_config& criteria,
                                    const promotion_inputs& measured) {
    promotion_result result;
    result.criteria.push_back(at_least("min_requests", static_cast<double>(criteria.min_requests),
                                       static_cast<double>(measured.requests)));
    result.criteria.push_back(
        at_least("min_agreement", criteria.min_agreement, measured.agreement));
    result.criteria.push_back(
        at_most("max_shadow_p95_ms", criteria.max_shadow_p95_ms, measured.shadow_p95_ms));
    result.criteria.push_back(at_most("max_shadow_error_rate", criteria.max_shadow_error_rate,
                                      measured.shadow_error_rate));
    if (measured.has_labels) {
        result.criteria.push_back(
            at_least("shadow_accuracy", measured.production_accuracy, measured.shadow_accuracy));
    }
    if (measured.has_baseline) {
        result.criteria.push_back(
            at_most("max_feature_psi", criteria.max_feature_psi, measured.max_feature_psi));
    }
    result.passed = true;
    for (const auto& c : result.criteria) {
        result.passed = result.passed && c.passed;
    }
    return result;
}

promotion_inputs promotion_inputs_of(const shadow_summary& summary, bool has_labels,
                                     const features_summary* features) {
    promotion_inputs measured;
    measured.requests = summary.requests;
    measured.agreement = summary.agreement_rate;
    measured.shadow_p95_ms = summary.shadow_latency.p95;
    measured.shadow_error_rate = summary.shadow_error_rate;
    measured.has_labels = has_labels;
    measured.production_accuracy = summary.accuracy.production;
    measured.shadow_accuracy = summary.accuracy.shadow;
    if (features != nullptr && features->has_baseline) {
        measured.has_baseline = true;
        measured.max_feature_psi = features->max_psi;
    }
    return measured;
}

}  // namespace shadowproxy::stats
