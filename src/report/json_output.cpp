// `report --format json`: SPEC §7's document, plus "malformed_samples", "features_summary",
// per shadow "classes_truncated" and latency sample counts.
#include <nlohmann/json.hpp>
#include <ostream>

#include "shadowproxy/report/report.hpp"
#include "shadowproxy/stats/drift.hpp"
#include "shadowproxy/stats/json_forms.hpp"

namespace shadowproxy::report {

namespace {

using ojson = stats::ordered_json;

using stats::optional_number;

ojson distribution_json(const std::vector<stats::class_share>& shares) {
    ojson out = ojson::object();
    for (const auto& s : shares) {
        out[s.label] = s.share;
    }
    return out;
}

ojson shadow_json(const shadow_report& shadow, bool has_labels) {
    const auto& s = shadow.summary;
    ojson out = {{"name", s.name},
                 {"requests", s.requests},
                 {"outcomes", stats::outcomes_to_json(s.outcomes)},
                 {"agreement", stats::agreement_to_json(s.agreements, s.agreement_n)},
                 {"kappa", optional_number(s.kappa)},
                 {"confusion", {{"labels", s.confusion_labels}, {"counts", s.confusion}}},
                 {"classes_truncated", s.classes_truncated},
                 {"distribution",
                  {{"production", distribution_json(s.production_distribution)},
                   {"shadow", distribution_json(s.shadow_distribution)}}},
                 {"latency_ms", stats::latency_to_json(s)},
                 {"error_rate", stats::error_rate_to_json(s)}};
    if (has_labels) {
        out["accuracy"] = {{"production", optional_number(s.accuracy.production)},
                           {"shadow", optional_number(s.accuracy.shadow)},
                           {"joined", s.accuracy.joined},
                           {"unlabeled", s.accuracy.unlabeled},
                           {"unmatched_labels", shadow.unmatched_labels}};
    }
    out["promotion"] = stats::to_json(shadow.promotion);
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
        doc["features"] = stats::features_to_json(*result.features);
        doc["features_summary"] = stats::summary_to_json(*result.features);
    }
    ojson shadows = ojson::array();
    for (const auto& shadow : result.shadows) {
        shadows.push_back(shadow_json(shadow, result.has_labels));
    }
    doc["shadows"] = shadows;
    out << doc.dump(2, ' ', false, ojson::error_handler_t::replace) << '\n';
}

}  // namespace shadowproxy::report
