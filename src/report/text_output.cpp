// `report --format text`: aligned tables within 100 columns, one section per shadow ending with
// its promotion checklist; the input features table comes first since it is shared.
#include <algorithm>
#include <cstdio>
#include <ostream>
#include <string>

#include "report/llm_text.hpp"
#include "report/text_format.hpp"
#include "shadowproxy/report/report.hpp"
#include "shadowproxy/stats/drift.hpp"
#include "shadowproxy/stats/prediction_key.hpp"

namespace shadowproxy::report {

namespace {

using text::fit;
using text::format;
using text::interval_text;
using text::label_width;
using text::number;
using text::pad_left;
using text::pad_right;
using text::page_width;
using text::percent;

void write_features(const stats::features_summary& f, std::ostream& out) {
    out << "Input features: " << f.requests << " requests with features (" << f.truncated
        << " truncated), " << (f.has_baseline ? "drift against the baseline" : "no baseline")
        << "\n";
    std::vector<const stats::feature_report*> rows;
    for (const auto& r : f.features) {
        rows.push_back(&r);
    }
    // Worst drift first; features without a PSI after, by name.
    std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
        if (a->psi.has_value() != b->psi.has_value()) {
            return a->psi.has_value();
        }
        return a->psi && *a->psi != *b->psi ? *a->psi > *b->psi : a->name < b->name;
    });
    out << "  " << pad_right("feature", 24) << pad_left("missing", 10) << pad_left("null", 10)
        << pad_left("non-num", 10) << pad_left("psi", 10) << "  reading\n";
    for (const auto* r : rows) {
        out << "  " << pad_right(fit(r->name, 24), 24) << pad_left(percent(r->missing), 10)
            << pad_left(percent(r->null), 10) << pad_left(percent(r->non_numeric), 10)
            << pad_left(number(r->psi), 10) << "  " << (r->psi ? stats::psi_reading(*r->psi) : "-")
            << "\n";
    }
    out << "  PSI reading: < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 major shift.\n\n";
}

void write_confusion(const stats::shadow_summary& s, std::ostream& out) {
    if (s.confusion_labels.empty()) {
        out << "  Confusion: no record with both predictions\n";
        return;
    }
    const std::size_t columns = s.confusion_labels.size();
    std::size_t cell = 6;
    for (const auto& row : s.confusion) {
        for (const auto c : row) {
            cell = std::max(cell, std::to_string(c).size() + 1);
        }
    }
    for (const auto& label : s.confusion_labels) {
        cell = std::max(cell, std::min<std::size_t>(label.size() + 1, 10));
    }
    cell = std::min(cell, std::max<std::size_t>((page_width - 2 - label_width) / columns, 7));
    out << "  Confusion (rows: production, columns: shadow)\n  "
        << pad_right("prod \\ shadow", label_width);
    for (const auto& label : s.confusion_labels) {
        out << pad_left(fit(label, cell - 1), cell);
    }
    out << "\n";
    for (std::size_t i = 0; i < columns; ++i) {
        out << "  " << pad_right(fit(s.confusion_labels[i], label_width - 1), label_width);
        for (const auto c : s.confusion[i]) {
            out << pad_left(std::to_string(c), cell);
        }
        out << "\n";
    }
}

void write_distribution(const stats::shadow_summary& s, std::ostream& out) {
    out << "  " << pad_right("Distribution", 24) << pad_left("production", 12)
        << pad_left("shadow", 12) << "\n";
    auto share_of = [](const std::vector<stats::class_share>& shares, const std::string& label) {
        for (const auto& share : shares) {
            if (share.label == label) {
                return percent(share.share);
            }
        }
        return std::string("-");
    };
    for (const auto& label : s.confusion_labels) {
        out << "  " << pad_right(fit(label, 23), 24)
            << pad_left(share_of(s.production_distribution, label), 12)
            << pad_left(share_of(s.shadow_distribution, label), 12) << "\n";
    }
}

void write_latency(const stats::shadow_summary& s, std::ostream& out) {
    out << "  " << pad_right("Latency (ms)", 24) << pad_left("p50", 12) << pad_left("p95", 12)
        << pad_left("p99", 12) << pad_left("n", 12) << "\n";
    auto row = [&](const char* name, const stats::percentiles& p) {
        out << "  " << pad_right(name, 24) << pad_left(number(p.p50, "%.3f"), 12)
            << pad_left(number(p.p95, "%.3f"), 12) << pad_left(number(p.p99, "%.3f"), 12)
            << pad_left(std::to_string(p.n), 12) << "\n";
    };
    row("production", s.production_latency);
    row("shadow", s.shadow_latency);
    row("delta (shadow - prod)", s.latency_delta);
    row("production ttfb", s.production_ttfb);
    row("shadow ttfb", s.shadow_ttfb);
}

void write_checklist(const stats::promotion_result& promotion, bool allow_unevaluated,
                     std::ostream& out) {
    out << "  Promotion checklist: " << (promotion.passed ? "PASS" : "FAIL");
    if (promotion.unevaluated > 0) {
        out << "  (" << promotion.unevaluated << " not evaluated"
            << (allow_unevaluated ? ", allowed by --allow-unevaluated" : ", which fails the gate")
            << ")";
    }
    out << "\n";
    for (const auto& c : promotion.criteria) {
        const bool versus_production = c.name == "shadow_accuracy" || c.name == "shadow_mae";
        const std::string threshold =
            versus_production ? "production " + number(c.threshold) : number(c.threshold, "%g");
        const char* verdict = !c.evaluated ? "NOT EVALUATED" : c.passed ? "PASS" : "FAIL";
        out << "    " << verdict << "  " << pad_right(c.name, c.evaluated ? 24 : 26);
        if (!c.evaluated) {
            out << c.reason << "\n";
            continue;
        }
        out << pad_left(number(c.value, "%.6g"), 12) << (c.at_least ? "  >= " : "  <= ")
            << threshold << (c.lower_bound ? "  (95% CI lower bound)" : "") << "\n";
    }
}

void write_class_scores(const stats::accuracy_summary& a, std::ostream& out) {
    if (a.production_classes.empty()) {
        return;
    }
    out << "  " << pad_right("Per class (vs labels)", 24) << pad_left("support", 9)
        << pad_left("prod P", 9) << pad_left("prod R", 9) << pad_left("prod F1", 9)
        << pad_left("shadow P", 10) << pad_left("shadow R", 10) << pad_left("shadow F1", 10)
        << "\n";
    auto find = [](const std::vector<stats::class_score>& list, const std::string& key) {
        for (const auto& c : list) {
            if (c.key == key) {
                return &c;
            }
        }
        return static_cast<const stats::class_score*>(nullptr);
    };
    std::size_t shown = 0;
    for (const auto& p : a.production_classes) {
        if (shown++ == 20) {
            out << "  (more classes in --format json)\n";
            break;
        }
        const auto* s = find(a.shadow_classes, p.key);
        auto cell = [](const std::optional<double>& v, std::size_t width) {
            return pad_left(number(v, "%.3f"), width);
        };
        out << "  " << pad_right(fit(stats::display_label(p.key), 23), 24)
            << pad_left(std::to_string(p.support), 9) << cell(p.precision, 9) << cell(p.recall, 9)
            << cell(p.f1, 9) << cell(s ? s->precision : std::nullopt, 10)
            << cell(s ? s->recall : std::nullopt, 10) << cell(s ? s->f1 : std::nullopt, 10) << "\n";
    }
}

void write_accuracy(const shadow_report& shadow, std::ostream& out) {
    const auto& a = shadow.summary.accuracy;
    out << "  Accuracy        production " << percent(a.production) << " ("
        << interval_text(a.production_ci95) << "), shadow " << percent(a.shadow) << " ("
        << interval_text(a.shadow_ci95) << ")\n"
        << "                  joined " << a.joined << ", unlabeled " << a.unlabeled
        << ", unmatched labels " << shadow.unmatched_labels << "\n";
    if (a.mcnemar_p) {
        out << "  McNemar exact   p = " << number(a.mcnemar_p, "%.4g")
            << "  (only production right " << a.paired.production_only << ", only shadow right "
            << a.paired.shadow_only
            << ")\n                  p < 0.05: the accuracies differ beyond chance\n";
    }
}

void write_regression(const stats::regression_summary& r, bool has_labels, std::ostream& out) {
    out << "  Regression (shadow - production) over " << r.n << " records with two numeric "
        << "predictions (" << r.non_numeric << " without)\n";
    out << "    MAE " << number(r.mae, "%.6g") << ", RMSE " << number(r.rmse, "%.6g")
        << ", max |error| " << number(r.max_abs_error, "%.6g") << ", bias "
        << number(r.bias, "%.6g") << "\n";
    out << "    Pearson " << number(r.pearson) << ", Spearman " << number(r.spearman)
        << ", residual p50 " << number(r.residual.p50, "%.6g") << ", p95 "
        << number(r.residual.p95, "%.6g") << ", p99 " << number(r.residual.p99, "%.6g") << "\n";
    out << "    Within tolerance " << percent(r.within_tolerance) << "  ("
        << interval_text(r.within_ci95) << ", " << r.within << " of " << r.n << ")\n";
    if (has_labels) {
        auto side = [&](const char* name, const stats::error_summary& e) {
            out << "    vs labels, " << name << ": MAE " << number(e.mae, "%.6g") << ", RMSE "
                << number(e.rmse, "%.6g") << " (n = " << e.n << ")\n";
        };
        side("production", r.production_vs_label);
        side("shadow", r.shadow_vs_label);
    }
}

void write_segments(const shadow_report& shadow, bool regression, std::ostream& out) {
    const char* metric = regression ? "MAE" : "disagree";
    if (shadow.segments.empty()) {
        out << "  Segments: none with at least " << stats::segment_min_n << " records\n";
        return;
    }
    out << "  Where it disagrees (segments with n >= " << stats::segment_min_n
        << ", worst first)\n";
    out << "  " << pad_right("by", 22) << pad_right("segment", 26) << pad_left("n", 8)
        << pad_left(metric, 10) << "  95% CI\n";
    for (const auto& row : shadow.segments) {
        const auto value = regression ? number(row.value, "%.4g") : percent(row.value);
        const auto low = regression ? number(row.ci95.low, "%.4g") : percent(row.ci95.low);
        const auto high = regression ? number(row.ci95.high, "%.4g") : percent(row.ci95.high);
        out << "  " << pad_right(fit(row.dimension, 21), 22) << pad_right(fit(row.segment, 25), 26)
            << pad_left(std::to_string(row.n), 8) << pad_left(value, 10) << "  " << low << " - "
            << high << "\n";
    }
}

void write_shadow(const report_result& result, const shadow_report& shadow, std::ostream& out) {
    const bool has_labels = result.has_labels;
    const bool regression = result.predictions == config::prediction_type::regression;
    // Generated text has no class predictions: its agreement section replaces those tables.
    const bool generated = shadow.llm.has_value();
    const auto& s = shadow.summary;
    out << "== Shadow " << s.name << ": " << s.requests << " requests ==\n";
    out << "  " << pad_right("Outcome", 24) << pad_left("count", 12) << pad_left("share", 12)
        << "\n";
    for (std::size_t i = 0; i < stats::outcome_names.size(); ++i) {
        const double share =
            s.requests == 0 ? 0.0
                            : static_cast<double>(s.outcomes[i]) / static_cast<double>(s.requests);
        out << "  " << pad_right(std::string(stats::outcome_names[i]), 24)
            << pad_left(std::to_string(s.outcomes[i]), 12) << pad_left(percent(share), 12) << "\n";
    }
    out << "\n";
    if (regression && shadow.regression) {
        write_regression(*shadow.regression, has_labels, out);
    } else if (!generated) {
        out << "  Agreement       " << percent(s.agreement_rate) << "  (95% Wilson CI "
            << percent(s.agreement_ci95.low) << " - " << percent(s.agreement_ci95.high)
            << ", n = " << s.agreement_n << ")\n";
        out << "  Cohen's kappa   " << (s.kappa ? number(s.kappa) : "undefined (one class only)")
            << "\n";
    }
    out << "  Error rate      production " << percent(s.production_error_rate) << ", shadow "
        << percent(s.shadow_error_rate) << "  (transport error or HTTP 5xx)\n";
    out << "                  transport only: production "
        << percent(s.production_transport_error_rate) << ", shadow "
        << percent(s.shadow_transport_error_rate) << "; HTTP 5xx: " << s.production_server_errors
        << " / " << s.shadow_server_errors << "\n";
    out << "  Status mismatch " << percent(s.status_mismatch_rate) << "  (" << s.status_mismatches
        << " records where the statuses differ)\n";
    if (has_labels && !regression) {
        write_accuracy(shadow, out);
    }
    out << "\n";
    if (!regression && !generated) {
        write_confusion(s, out);
        if (s.classes_truncated) {
            out << "  (more distinct predictions than tracked: rare ones share \"other\")\n";
        }
        out << "\n";
        write_distribution(s, out);
        out << "\n";
        if (has_labels) {
            write_class_scores(s.accuracy, out);
            out << "\n";
        }
    }
    write_latency(s, out);
    out << "\n";
    if (shadow.llm) {
        write_llm(*shadow.llm, out);
        out << "\n";
    }
    if (shadow.noise) {
        write_noise(*shadow.noise, out);
        out << "\n";
    }
    write_segments(shadow, regression, out);
    out << "\n";
    write_checklist(shadow.promotion, result.allow_unevaluated, out);
    out << "\n";
}

void write_period(const period_summary& p, std::ostream& out) {
    if (p.first_ts.empty()) {
        out << "Period: unknown (no record has a valid ts)\n";
        return;
    }
    out << "Period: " << p.first_ts << " to " << p.last_ts << " ("
        << number(p.duration_seconds, "%.1f") << " s, " << number(p.requests_per_second, "%.1f")
        << " records/s)\n";
}

void write_defaults_notice(const report_result& result, std::ostream& out) {
    const auto& c = result.criteria;
    out << "No --config and no criterion flags: applying the default criteria\n  min_requests "
        << c.min_requests << ", "
        << (result.predictions == config::prediction_type::regression
                ? "min_within_tolerance " + format("%g", c.min_within_tolerance)
                : "min_agreement " + format("%g", c.min_agreement))
        << ", max_shadow_p95_ms " << format("%g", c.max_shadow_p95_ms)
        << ",\n  max_shadow_error_rate " << format("%g", c.max_shadow_error_rate)
        << ", max_status_mismatch_rate " << format("%g", c.max_status_mismatch_rate)
        << ", max_feature_psi " << format("%g", c.max_feature_psi) << " (with a baseline).\n";
}

}  // namespace

void write_text(const report_result& result, std::ostream& out) {
    out << "shadowproxy report: " << result.records << " records, " << result.malformed
        << " malformed lines\n";
    for (const auto& m : result.malformed_samples) {
        out << "  malformed: " << m.file << " line " << m.line << ": " << m.reason << "\n";
    }
    write_period(result.period, out);
    if (result.defaults_applied) {
        write_defaults_notice(result, out);
    }
    out << "\n";
    if (result.features) {
        write_features(*result.features, out);
    }
    if (result.shadows.empty()) {
        out << "No shadow records: nothing to promote.\n";
    }
    for (const auto& shadow : result.shadows) {
        write_shadow(result, shadow, out);
    }
    if (result.noise) {
        write_noise_reference(*result.noise, out);
    }
    out << "Percentiles: linear interpolation between closest ranks (numpy/pandas default), over\n"
           "exchanges without error; delta over records where neither side has an error.\n";
}

}  // namespace shadowproxy::report
