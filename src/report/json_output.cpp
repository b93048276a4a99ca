// `report --format json`: SPEC §7's document, plus "malformed_samples", "features_summary",
// per shadow "classes_truncated" and latency sample counts.
#include <nlohmann/json.hpp>
#include <ostream>

#include "shadowproxy/report/report.hpp"
#include "shadowproxy/stats/drift.hpp"

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

ojson distribution_json(const std::vector<stats::class_share>& shares) {
    ojson out = ojson::object();
    for (const auto& s : shares) {
        out[s.label] = s.share;
    }
    return out;
}

ojson shadow_json(const shadow_report& shadow, bool has_labels) {
    const auto& s = shadow.summary;
    ojson outcomes = ojson::object();
    for (std::size_t i = 0; i < stats::outcome_names.size(); ++i) {
        outcomes[std::string(stats::outcome_names[i])] = s.outcomes[i];
    }
    ojson out = {{"name", s.name},
                 {"requests", s.requests},
                 {"outcomes", outcomes},
                 {"agreement",
                  {{"rate", optional_number(s.agreement_rate)},
                   {"ci95", {s.agreement_ci95.low, s.agreement_ci95.high}},
                   {"n", s.agreement_n}}},
                 {"kappa", optional_number(s.kappa)},
                 {"confusion", {{"labels", s.confusion_labels}, {"counts", s.confusion}}},
                 {"classes_truncated", s.classes_truncated},
                 {"distribution",
                  {{"production", distribution_json(s.production_distribution)},
                   {"shadow", distribution_json(s.shadow_distribution)}}},
                 {"latency_ms",
                  {{"production", latency_json(s.production_latency)},
                   {"shadow", latency_json(s.shadow_latency)},
                   {"delta", latency_json(s.latency_delta)}}},
                 {"ttfb_ms",
                  {{"production", latency_json(s.production_ttfb)},
                   {"shadow", latency_json(s.shadow_ttfb)}}},
                 {"error_rate",
                  {{"production", optional_number(s.production_error_rate)},
                   {"shadow", optional_number(s.shadow_error_rate)}}}};
    if (has_labels) {
        out["accuracy"] = {{"production", optional_number(s.accuracy.production)},
                           {"shadow", optional_number(s.accuracy.shadow)},
                           {"joined", s.accuracy.joined},
                           {"unlabeled", s.accuracy.unlabeled},
                           {"unmatched_labels", shadow.unmatched_labels}};
    }
    ojson criteria = ojson::array();
    for (const auto& c : shadow.promotion.criteria) {
        criteria.push_back({{"name", c.name},
                            {"threshold", optional_number(c.threshold)},
                            {"value", optional_number(c.value)},
                            {"passed", c.passed}});
    }
    out["promotion"] = {{"passed", shadow.promotion.passed}, {"criteria", criteria}};
    return out;
}

}  // namespace

void write_json(const report_result& result, std::ostream& out) {
    ojson samples = ojson::array();
    for (const auto& m : result.malformed_samples) {
        samples.push_back({{"file", m.file}, {"line", m.line}, {"reason", m.reason}});
    }
    ojson doc = {{"records", result.records},
                 {"malformed_lines", result.malformed},
                 {"malformed_samples", samples}};
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
        shadows.push_back(shadow_json(shadow, result.has_labels));
    }
    doc["shadows"] = shadows;
    out << doc.dump(2, ' ', false, ojson::error_handler_t::replace) << '\n';
}

}  // namespace shadowproxy::report
