#include "shadowproxy/stats/promotion.hpp"

namespace shadowproxy::stats {

namespace {

criterion_result judged(std::string name, bool at_least, std::optional<double> threshold,
                        std::optional<double> value, const char* missing_reason) {
    criterion_result c;
    c.name = std::move(name);
    c.at_least = at_least;
    c.threshold = threshold;
    c.value = value;
    if (!value || !threshold) {
        c.evaluated = false;
        c.reason = missing_reason;
        return c;
    }
    c.passed = at_least ? *value >= *threshold : *value <= *threshold;
    return c;
}

criterion_result not_evaluated(std::string name, bool at_least, std::optional<double> threshold,
                               std::string reason) {
    criterion_result c;
    c.name = std::move(name);
    c.at_least = at_least;
    c.threshold = threshold;
    c.evaluated = false;
    c.reason = std::move(reason);
    return c;
}

// Labels criteria: judged with labels, or when configured true; false turns them off.
bool wants_label_criterion(const std::optional<bool>& configured, const promotion_inputs& in) {
    if (!in.labels_possible || (configured && !*configured)) {
        return false;
    }
    return in.has_labels || configured.value_or(false);
}

}  // namespace

promotion_result evaluate_promotion(const config::promotion_config& criteria,
                                    const promotion_inputs& in, bool allow_unevaluated) {
    const bool regression = in.predictions == config::prediction_type::regression;
    const char* no_records = in.requests == 0 ? "no records" : nullptr;
    promotion_result result;
    auto& list = result.criteria;
    list.push_back(judged("min_requests", true, static_cast<double>(criteria.min_requests),
                          static_cast<double>(in.requests), "no records"));
    if (regression) {
        auto c = judged("min_within_tolerance", true, criteria.min_within_tolerance,
                        criteria.use_lower_bound ? in.within_tolerance_low : in.within_tolerance,
                        no_records ? no_records : "no record with two numeric predictions");
        c.lower_bound = criteria.use_lower_bound;
        list.push_back(std::move(c));
        if (criteria.max_mae) {
            list.push_back(
                judged("max_mae", false, criteria.max_mae, in.mae,
                       no_records ? no_records : "no record with two numeric predictions"));
        }
    } else if (!in.generated_text) {
        auto c = judged("min_agreement", true, criteria.min_agreement,
                        criteria.use_lower_bound ? in.agreement_low : in.agreement,
                        no_records ? no_records : "no record with both predictions");
        c.lower_bound = criteria.use_lower_bound;
        list.push_back(std::move(c));
    }
    list.push_back(
        judged("max_shadow_p95_ms", false, criteria.max_shadow_p95_ms, in.shadow_p95_ms,
               no_records ? no_records : "no shadow exchange without a transport error"));
    list.push_back(judged("max_shadow_error_rate", false, criteria.max_shadow_error_rate,
                          in.shadow_error_rate, "no records"));
    list.push_back(judged("max_status_mismatch_rate", false, criteria.max_status_mismatch_rate,
                          in.status_mismatch_rate, "no records"));

    const char* label_name = regression ? "shadow_mae" : "shadow_accuracy";
    const auto& label_setting = regression ? criteria.shadow_mae : criteria.shadow_accuracy;
    if (wants_label_criterion(label_setting, in)) {
        if (!in.has_labels) {
            list.push_back(
                not_evaluated(label_name, !regression, std::nullopt, "no labels (--labels FILE)"));
        } else if (regression) {
            list.push_back(judged(label_name, false, in.production_label_mae, in.shadow_label_mae,
                                  "no labelled record with numeric predictions on both sides"));
        } else {
            list.push_back(judged(label_name, true, in.production_accuracy, in.shadow_accuracy,
                                  "no record joined with a label"));
        }
    }
    if (in.has_baseline) {
        list.push_back(judged("max_feature_psi", false, criteria.max_feature_psi,
                              in.max_feature_psi, "no numeric feature value to compare"));
    } else if (criteria.max_feature_psi_set) {
        list.push_back(not_evaluated("max_feature_psi", false, criteria.max_feature_psi,
                                     "no baseline (--baseline FILE or features.baseline)"));
    }

    const char* no_text = no_records ? no_records : "no record comparing generated text";
    const auto optional_criterion = [&](const char* name, bool at_least,
                                        const std::optional<double>& threshold,
                                        const std::optional<double>& value, const char* reason) {
        if (threshold) {
            list.push_back(judged(name, at_least, threshold, value, reason));
        }
    };
    optional_criterion("min_mean_text_similarity", true, criteria.min_mean_text_similarity,
                       in.mean_text_similarity, no_text);
    optional_criterion("max_shadow_ttft_p95_ms", false, criteria.max_shadow_ttft_p95_ms,
                       in.shadow_ttft_p95_ms,
                       no_records ? no_records : "no shadow answer with content");
    optional_criterion("min_tool_call_agreement", true, criteria.min_tool_call_agreement,
                       in.tool_call_agreement,
                       no_records ? no_records : "no compared record with a tool call");
    optional_criterion("max_finish_reason_mismatch_rate", false,
                       criteria.max_finish_reason_mismatch_rate, in.finish_reason_mismatch_rate,
                       no_text);
    optional_criterion("max_similarity_gap_to_noise", false, criteria.max_similarity_gap_to_noise,
                       in.similarity_gap_to_noise,
                       "no noise reference records (compare.noise_reference)");

    result.passed = true;
    for (const auto& c : list) {
        if (!c.evaluated) {
            ++result.unevaluated;
            result.passed = result.passed && allow_unevaluated;
        } else {
            result.passed = result.passed && c.passed;
        }
    }
    return result;
}

promotion_inputs promotion_inputs_of(const shadow_summary& summary,
                                     const promotion_sources& sources) {
    promotion_inputs measured;
    measured.predictions = sources.predictions;
    measured.requests = summary.requests;
    measured.agreement = summary.agreement_rate;
    if (summary.agreement_n > 0) {
        measured.agreement_low = summary.agreement_ci95.low;
    }
    if (sources.regression != nullptr) {
        const auto& r = *sources.regression;
        if (r.n > 0) {
            measured.within_tolerance = static_cast<double>(r.within) / static_cast<double>(r.n);
            measured.within_tolerance_low = wilson_interval(r.within, r.n).low;
        }
        measured.mae = r.mae;
        measured.production_label_mae = r.production_label_mae;
        measured.shadow_label_mae = r.shadow_label_mae;
    }
    measured.shadow_p95_ms = summary.shadow_latency.p95;
    measured.shadow_error_rate = summary.shadow_error_rate;
    measured.status_mismatch_rate = summary.status_mismatch_rate;
    measured.labels_possible = sources.labels_possible;
    measured.has_labels = sources.has_labels;
    measured.production_accuracy = summary.accuracy.production;
    measured.shadow_accuracy = summary.accuracy.shadow;
    if (sources.features != nullptr && sources.features->has_baseline) {
        measured.has_baseline = true;
        measured.max_feature_psi = sources.features->max_psi;
    }
    if (sources.llm != nullptr) {
        const auto& llm = *sources.llm;
        measured.generated_text = true;
        measured.mean_text_similarity = llm.text_similarity.mean;
        measured.shadow_ttft_p95_ms = llm.shadow_ttft.p95;
        measured.tool_call_agreement = llm.tool_call_agreement;
        measured.finish_reason_mismatch_rate = llm.finish_reason_mismatch_rate;
    }
    measured.similarity_gap_to_noise = sources.noise_gap;
    return measured;
}

}  // namespace shadowproxy::stats
