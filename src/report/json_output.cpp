// `report --format json`: the document docs/report.md describes, plus "malformed_samples",
// "features_summary", per shadow "classes_truncated" and latency sample counts.
#include <nlohmann/json.hpp>
#include <ostream>

#include "shadowproxy/report/report.hpp"
#include "shadowproxy/stats/drift.hpp"
#include "shadowproxy/stats/prediction_key.hpp"

namespace shadowproxy::report {

namespace {

using ojson = nlohmann::ordered_json;

ojson optional_number(const std::optional<double>& value) {
    return value ? ojson(*value) : ojson(nullptr);
}

ojson latency_json(const stats::percentiles& p) {
    return {{"p50", optional_number(p.p50)},
            {"p95", optional_number(p.p95)},
            {"p99", optional_number(p.p99)},
            {"n", p.n}};
}

ojson interval_json(const stats::interval& ci) {
    return ojson::array({ci.low, ci.high});
}

ojson classes_json(const std::vector<stats::class_score>& classes) {
    ojson out = ojson::array();
    for (const auto& c : classes) {
        out.push_back({{"class", stats::display_label(c.key)},
                       {"support", c.support},
                       {"predicted", c.predicted},
                       {"precision", optional_number(c.precision)},
                       {"recall", optional_number(c.recall)},
                       {"f1", optional_number(c.f1)}});
    }
    return out;
}

ojson accuracy_json(const shadow_report& shadow) {
    const auto& a = shadow.summary.accuracy;
    return {{"production", optional_number(a.production)},
            {"shadow", optional_number(a.shadow)},
            {"ci95",
             {{"production", interval_json(a.production_ci95)},
              {"shadow", interval_json(a.shadow_ci95)}}},
            {"joined", a.joined},
            {"unlabeled", a.unlabeled},
            {"unmatched_labels", shadow.unmatched_labels},
            {"mcnemar_p", optional_number(a.mcnemar_p)},
            {"paired",
             {{"both_correct", a.paired.both},
              {"production_only", a.paired.production_only},
              {"shadow_only", a.paired.shadow_only},
              {"both_wrong", a.paired.neither}}},
            {"per_class",
             {{"production", classes_json(a.production_classes)},
              {"shadow", classes_json(a.shadow_classes)}}}};
}

ojson error_json(const stats::error_summary& e) {
    return {{"mae", optional_number(e.mae)}, {"rmse", optional_number(e.rmse)}, {"n", e.n}};
}

ojson regression_json(const stats::regression_summary& r, bool has_labels) {
    ojson out = {{"n", r.n},
                 {"non_numeric", r.non_numeric},
                 {"mae", optional_number(r.mae)},
                 {"rmse", optional_number(r.rmse)},
                 {"max_abs_error", optional_number(r.max_abs_error)},
                 {"bias", optional_number(r.bias)},
                 {"pearson", optional_number(r.pearson)},
                 {"spearman", optional_number(r.spearman)},
                 {"residual",
                  {{"p50", optional_number(r.residual.p50)},
                   {"p95", optional_number(r.residual.p95)},
                   {"p99", optional_number(r.residual.p99)}}},
                 {"within_tolerance", optional_number(r.within_tolerance)},
                 {"within_tolerance_ci95", interval_json(r.within_ci95)},
                 {"within_tolerance_count", r.within}};
    if (has_labels) {
        out["labels"] = {{"production", error_json(r.production_vs_label)},
                         {"shadow", error_json(r.shadow_vs_label)}};
    }
    return out;
}

ojson segments_json(const std::vector<stats::segment_row>& rows) {
    ojson out = ojson::array();
    for (const auto& row : rows) {
        out.push_back({{"dimension", row.dimension},
                       {"segment", row.segment},
                       {"n", row.n},
                       {"value", row.value},
                       {"ci95", interval_json(row.ci95)}});
    }
    return out;
}

ojson criteria_json(const config::promotion_config& c, config::prediction_type type) {
    ojson out = {{"min_requests", c.min_requests}};
    if (type == config::prediction_type::regression) {
        out["min_within_tolerance"] = c.min_within_tolerance;
        out["max_mae"] = optional_number(c.max_mae);
    } else {
        out["min_agreement"] = c.min_agreement;
    }
    out["max_shadow_p95_ms"] = c.max_shadow_p95_ms;
    out["max_shadow_error_rate"] = c.max_shadow_error_rate;
    out["max_status_mismatch_rate"] = c.max_status_mismatch_rate;
    out["max_feature_psi"] = c.max_feature_psi;
    out["use_lower_bound"] = c.use_lower_bound;
    return out;
}

ojson distribution_json(const std::vector<stats::class_share>& shares) {
    ojson out = ojson::object();
    for (const auto& s : shares) {
        out[s.label] = s.share;
    }
    return out;
}

ojson shadow_json(const shadow_report& shadow, bool has_labels, bool regression) {
    const auto& s = shadow.summary;
    ojson outcomes = ojson::object();
    for (std::size_t i = 0; i < stats::outcome_names.size(); ++i) {
        outcomes[std::string(stats::outcome_names[i])] = s.outcomes[i];
    }
    ojson out = {{"name", s.name}, {"requests", s.requests}, {"outcomes", outcomes}};
    if (regression && shadow.regression) {
        out["regression"] = regression_json(*shadow.regression, has_labels);
    } else {
        out["agreement"] = {{"rate", optional_number(s.agreement_rate)},
                            {"ci95", interval_json(s.agreement_ci95)},
                            {"n", s.agreement_n}};
        out["kappa"] = optional_number(s.kappa);
        out["confusion"] = {{"labels", s.confusion_labels}, {"counts", s.confusion}};
        out["classes_truncated"] = s.classes_truncated;
        out["distribution"] = {{"production", distribution_json(s.production_distribution)},
                               {"shadow", distribution_json(s.shadow_distribution)}};
    }
    out["latency_ms"] = {{"production", latency_json(s.production_latency)},
                         {"shadow", latency_json(s.shadow_latency)},
                         {"delta", latency_json(s.latency_delta)}};
    out["error_rate"] = {{"production", optional_number(s.production_error_rate)},
                         {"shadow", optional_number(s.shadow_error_rate)}};
    out["transport_error_rate"] = {
        {"production", optional_number(s.production_transport_error_rate)},
        {"shadow", optional_number(s.shadow_transport_error_rate)}};
    out["server_errors"] = {{"production", s.production_server_errors},
                            {"shadow", s.shadow_server_errors}};
    out["status_mismatch_rate"] = optional_number(s.status_mismatch_rate);
    out["status_mismatches"] = s.status_mismatches;
    if (has_labels && !regression) {
        out["accuracy"] = accuracy_json(shadow);
    }
    out["segments_metric"] = regression ? "mae" : "disagreement_rate";
    out["segments"] = segments_json(shadow.segments);
    ojson criteria = ojson::array();
    for (const auto& c : shadow.promotion.criteria) {
        ojson line = {{"name", c.name},
                      {"threshold", optional_number(c.threshold)},
                      {"value", optional_number(c.value)},
                      {"passed", c.evaluated ? ojson(c.passed) : ojson(nullptr)}};
        if (!c.evaluated) {
            line["reason"] = c.reason;
        }
        if (c.lower_bound) {
            line["measure"] = "ci95_low";
        }
        criteria.push_back(std::move(line));
    }
    out["promotion"] = {{"passed", shadow.promotion.passed},
                        {"unevaluated", shadow.promotion.unevaluated},
                        {"criteria", criteria}};
    return out;
}

}  // namespace

void write_json(const report_result& result, std::ostream& out) {
    ojson samples = ojson::array();
    for (const auto& m : result.malformed_samples) {
        samples.push_back({{"file", m.file}, {"line", m.line}, {"reason", m.reason}});
    }
    const bool regression = result.predictions == config::prediction_type::regression;
    const auto& p = result.period;
    ojson doc = {{"records", result.records},
                 {"malformed_lines", result.malformed},
                 {"malformed_samples", samples},
                 {"prediction_type", regression ? "regression" : "class"},
                 {"period",
                  {{"first_ts", p.first_ts.empty() ? ojson(nullptr) : ojson(p.first_ts)},
                   {"last_ts", p.last_ts.empty() ? ojson(nullptr) : ojson(p.last_ts)},
                   {"duration_seconds", optional_number(p.duration_seconds)},
                   {"requests_per_second", optional_number(p.requests_per_second)},
                   {"records_without_ts", p.unparsed}}},
                 {"criteria", criteria_json(result.criteria, result.predictions)},
                 {"defaults_applied", result.defaults_applied},
                 {"allow_unevaluated", result.allow_unevaluated}};
    if (result.features) {
        const auto& f = *result.features;
        ojson features = ojson::object();
        for (const auto& r : f.features) {
            features[r.name] = {{"missing", r.missing},
                                {"null", r.null},
                                {"non_numeric", r.non_numeric},
                                {"psi", optional_number(r.psi)}};
        }
        doc["features"] = features;
        doc["features_summary"] = {{"requests", f.requests},
                                   {"truncated", f.truncated},
                                   {"baseline", f.has_baseline},
                                   {"max_psi", optional_number(f.max_psi)}};
    }
    ojson shadows = ojson::array();
    for (const auto& shadow : result.shadows) {
        shadows.push_back(shadow_json(shadow, result.has_labels, regression));
    }
    doc["shadows"] = shadows;
    out << doc.dump(2, ' ', false, ojson::error_handler_t::replace) << '\n';
}

}  // namespace shadowproxy::report
