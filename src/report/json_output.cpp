// `report --format json`: the document docs/report.md describes, plus "malformed_samples",
// "features_summary", per shadow "classes_truncated" and latency sample counts.
#include <nlohmann/json.hpp>
#include <ostream>

#include "shadowproxy/report/report.hpp"
#include "shadowproxy/stats/drift.hpp"
#include "shadowproxy/stats/json_forms.hpp"
#include "shadowproxy/stats/llm_json.hpp"

namespace shadowproxy::report {

namespace {

using ojson = stats::ordered_json;

using stats::optional_number;

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
    const std::pair<const char*, const std::optional<double>*> optional_criteria[] = {
        {"min_mean_text_similarity", &c.min_mean_text_similarity},
        {"max_shadow_ttft_p95_ms", &c.max_shadow_ttft_p95_ms},
        {"min_tool_call_agreement", &c.min_tool_call_agreement},
        {"max_finish_reason_mismatch_rate", &c.max_finish_reason_mismatch_rate},
        {"max_similarity_gap_to_noise", &c.max_similarity_gap_to_noise}};
    for (const auto& [name, value] : optional_criteria) {
        if (*value) {
            out[name] = **value;
        }
    }
    return out;
}

ojson distribution_json(const std::vector<stats::class_share>& shares) {
    ojson out = ojson::object();
    for (const auto& s : shares) {
        out[s.label] = s.share;
    }
    return out;
}

ojson shadow_report_json(const shadow_report& shadow, bool has_labels, bool regression) {
    const auto& s = shadow.summary;
    ojson out = {{"name", s.name},
                 {"requests", s.requests},
                 {"outcomes", stats::outcomes_to_json(s.outcomes)}};
    if (regression && shadow.regression) {
        out["regression"] = stats::to_json(*shadow.regression, has_labels);
    } else {
        out["agreement"] = stats::agreement_to_json(s.agreements, s.agreement_n);
        out["kappa"] = optional_number(s.kappa);
        out["confusion"] = {{"labels", s.confusion_labels}, {"counts", s.confusion}};
        out["classes_truncated"] = s.classes_truncated;
        out["distribution"] = {{"production", distribution_json(s.production_distribution)},
                               {"shadow", distribution_json(s.shadow_distribution)}};
    }
    out["latency_ms"] = stats::latency_to_json(s);
    out["ttfb_ms"] = stats::ttfb_to_json(s);
    stats::add_errors(out, s);
    if (has_labels && !regression) {
        out["accuracy"] = stats::to_json(s.accuracy, shadow.unmatched_labels);
    }
    if (shadow.llm) {
        out["llm"] = stats::to_json(*shadow.llm);
    }
    if (shadow.noise) {
        out["noise"] = stats::to_json(*shadow.noise);
    }
    out["segments_metric"] = regression ? "mae" : "disagreement_rate";
    out["segments"] = stats::segments_to_json(shadow.segments);
    out["promotion"] = stats::to_json(shadow.promotion);
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
        doc["features"] = stats::features_to_json(*result.features);
        doc["features_summary"] = stats::summary_to_json(*result.features);
    }
    ojson shadows = ojson::array();
    for (const auto& shadow : result.shadows) {
        shadows.push_back(shadow_report_json(shadow, result.has_labels, regression));
    }
    doc["shadows"] = shadows;
    if (result.noise) {
        const auto& n = *result.noise;
        ojson reference = {
            {"name", n.name},
            {"requests", n.summary.requests},
            {"agreement", stats::agreement_to_json(n.summary.agreements, n.summary.agreement_n)}};
        if (n.llm) {
            reference["llm"] = stats::to_json(*n.llm);
        }
        doc["noise_reference"] = reference;
    }
    out << doc.dump(2, ' ', false, ojson::error_handler_t::replace) << '\n';
}

}  // namespace shadowproxy::report
