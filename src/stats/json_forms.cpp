#include "shadowproxy/stats/json_forms.hpp"

#include <string>

#include "shadowproxy/stats/prediction_key.hpp"

namespace shadowproxy::stats {

namespace {

ordered_json interval_to_json(const interval& ci) {
    return ordered_json::array({ci.low, ci.high});
}

std::optional<double> rate(std::uint64_t part, std::uint64_t whole) {
    if (whole == 0) {
        return std::nullopt;
    }
    return static_cast<double>(part) / static_cast<double>(whole);
}

ordered_json regression_core(std::uint64_t n, std::uint64_t within, std::optional<double> mae) {
    return {{"n", n},
            {"mae", optional_number(mae)},
            {"within_tolerance", optional_number(rate(within, n))},
            {"within_tolerance_ci95",
             n > 0 ? interval_to_json(wilson_interval(within, n)) : ordered_json(nullptr)}};
}

ordered_json classes_to_json(const std::vector<class_score>& classes) {
    ordered_json out = ordered_json::array();
    for (const auto& c : classes) {
        out.push_back({{"class", display_label(c.key)},
                       {"support", c.support},
                       {"predicted", c.predicted},
                       {"precision", optional_number(c.precision)},
                       {"recall", optional_number(c.recall)},
                       {"f1", optional_number(c.f1)}});
    }
    return out;
}

ordered_json error_to_json(const error_summary& e) {
    return {{"mae", optional_number(e.mae)}, {"rmse", optional_number(e.rmse)}, {"n", e.n}};
}

}  // namespace

ordered_json optional_number(const std::optional<double>& value) {
    return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json to_json(const percentiles& p) {
    return {{"p50", optional_number(p.p50)},
            {"p95", optional_number(p.p95)},
            {"p99", optional_number(p.p99)},
            {"n", p.n}};
}

ordered_json outcomes_to_json(const std::array<std::uint64_t, outcome_names.size()>& counts) {
    ordered_json out = ordered_json::object();
    for (std::size_t i = 0; i < counts.size(); ++i) {
        out[std::string(outcome_names[i])] = counts[i];
    }
    return out;
}

ordered_json agreement_to_json(std::uint64_t agreements, std::uint64_t n) {
    if (n == 0) {
        return {{"rate", nullptr}, {"ci95", nullptr}, {"n", n}};
    }
    const auto ci = wilson_interval(agreements, n);
    return {{"rate", static_cast<double>(agreements) / static_cast<double>(n)},
            {"ci95", ordered_json::array({ci.low, ci.high})},
            {"n", n}};
}

ordered_json latency_to_json(const shadow_summary& summary) {
    return {{"production", to_json(summary.production_latency)},
            {"shadow", to_json(summary.shadow_latency)},
            {"delta", to_json(summary.latency_delta)}};
}

ordered_json ttfb_to_json(const shadow_summary& summary) {
    return {{"production", to_json(summary.production_ttfb)},
            {"shadow", to_json(summary.shadow_ttfb)}};
}

ordered_json error_rate_to_json(const shadow_summary& summary) {
    return {{"production", optional_number(summary.production_error_rate)},
            {"shadow", optional_number(summary.shadow_error_rate)}};
}

void add_errors(ordered_json& out, const shadow_summary& summary) {
    out["error_rate"] = error_rate_to_json(summary);
    out["transport_error_rate"] = {
        {"production", optional_number(summary.production_transport_error_rate)},
        {"shadow", optional_number(summary.shadow_transport_error_rate)}};
    out["server_errors"] = {{"production", summary.production_server_errors},
                            {"shadow", summary.shadow_server_errors}};
    out["status_mismatch_rate"] = optional_number(summary.status_mismatch_rate);
    out["status_mismatches"] = summary.status_mismatches;
}

ordered_json to_json(const promotion_result& result) {
    ordered_json criteria = ordered_json::array();
    for (const auto& c : result.criteria) {
        ordered_json line = {{"name", c.name},
                             {"threshold", optional_number(c.threshold)},
                             {"value", optional_number(c.value)},
                             {"passed", c.evaluated ? ordered_json(c.passed) : ordered_json()}};
        if (!c.evaluated) {
            line["reason"] = c.reason;
        }
        if (c.lower_bound) {
            line["measure"] = "ci95_low";
        }
        criteria.push_back(std::move(line));
    }
    return {{"passed", result.passed},
            {"unevaluated", result.unevaluated},
            {"criteria", std::move(criteria)}};
}

ordered_json to_json(const live_regression& regression) {
    return regression_core(
        regression.n, regression.within,
        regression.n > 0
            ? std::optional<double>(regression.abs_sum / static_cast<double>(regression.n))
            : std::nullopt);
}

ordered_json to_json(const regression_summary& r, bool has_labels) {
    ordered_json out = regression_core(r.n, r.within, r.mae);
    out["non_numeric"] = r.non_numeric;
    out["rmse"] = optional_number(r.rmse);
    out["max_abs_error"] = optional_number(r.max_abs_error);
    out["bias"] = optional_number(r.bias);
    out["pearson"] = optional_number(r.pearson);
    out["spearman"] = optional_number(r.spearman);
    out["residual"] = {{"p50", optional_number(r.residual.p50)},
                       {"p95", optional_number(r.residual.p95)},
                       {"p99", optional_number(r.residual.p99)}};
    out["within_tolerance_count"] = r.within;
    if (has_labels) {
        out["labels"] = {{"production", error_to_json(r.production_vs_label)},
                         {"shadow", error_to_json(r.shadow_vs_label)}};
    }
    return out;
}

ordered_json to_json(const accuracy_summary& a, std::uint64_t unmatched_labels) {
    return {{"production", optional_number(a.production)},
            {"shadow", optional_number(a.shadow)},
            {"ci95",
             {{"production", interval_to_json(a.production_ci95)},
              {"shadow", interval_to_json(a.shadow_ci95)}}},
            {"joined", a.joined},
            {"unlabeled", a.unlabeled},
            {"unmatched_labels", unmatched_labels},
            {"mcnemar_p", optional_number(a.mcnemar_p)},
            {"paired",
             {{"both_correct", a.paired.both},
              {"production_only", a.paired.production_only},
              {"shadow_only", a.paired.shadow_only},
              {"both_wrong", a.paired.neither}}},
            {"per_class",
             {{"production", classes_to_json(a.production_classes)},
              {"shadow", classes_to_json(a.shadow_classes)}}}};
}

ordered_json segments_to_json(const std::vector<segment_row>& rows) {
    ordered_json out = ordered_json::array();
    for (const auto& row : rows) {
        out.push_back({{"dimension", row.dimension},
                       {"segment", row.segment},
                       {"n", row.n},
                       {"value", row.value},
                       {"ci95", interval_to_json(row.ci95)}});
    }
    return out;
}

ordered_json to_json(const feature_report& feature) {
    return {{"missing", feature.missing},
            {"null", feature.null},
            {"non_numeric", feature.non_numeric},
            {"psi", optional_number(feature.psi)},
            {"numeric", feature.numeric}};
}

ordered_json summary_to_json(const features_summary& summary) {
    return {{"requests", summary.requests},
            {"truncated", summary.truncated},
            {"has_baseline", summary.has_baseline},
            {"max_psi", optional_number(summary.max_psi)}};
}

ordered_json features_to_json(const features_summary& summary) {
    ordered_json out = ordered_json::object();
    for (const auto& f : summary.features) {
        out[f.name] = to_json(f);
    }
    return out;
}

}  // namespace shadowproxy::stats
