// `report --format text`: aligned tables within 100 columns, one section per shadow ending with
// its promotion checklist; the input features table comes first since it is shared.
#include <algorithm>
#include <cstdio>
#include <ostream>
#include <string>

#include "shadowproxy/report/report.hpp"
#include "shadowproxy/stats/drift.hpp"

namespace shadowproxy::report {

namespace {

constexpr std::size_t label_width = 14;
constexpr std::size_t page_width = 100;

std::string format(const char* pattern, double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, pattern, value);
    return buffer;
}

std::string percent(const std::optional<double>& value) {
    return value ? format("%.2f%%", *value * 100.0) : "n/a";
}

std::string number(const std::optional<double>& value, const char* pattern = "%.4f") {
    return value ? format(pattern, *value) : "n/a";
}

std::string fit(std::string text, std::size_t width) {
    if (text.size() > width) {
        text = text.substr(0, width - 1) + "~";
    }
    return text;
}

std::string pad_left(const std::string& text, std::size_t width) {
    return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

std::string pad_right(const std::string& text, std::size_t width) {
    return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

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

void write_checklist(const stats::promotion_result& promotion, std::ostream& out) {
    out << "  Promotion checklist: " << (promotion.passed ? "PASS" : "FAIL") << "\n";
    for (const auto& c : promotion.criteria) {
        const bool at_least = c.name.starts_with("min_") || c.name == "shadow_accuracy";
        const std::string threshold = c.name == "shadow_accuracy"
                                          ? "production " + number(c.threshold)
                                          : number(c.threshold, "%g");
        out << "    " << (c.passed ? "PASS" : "FAIL") << "  " << pad_right(c.name, 24)
            << pad_left(number(c.value, "%.6g"), 14) << (at_least ? "  >= " : "  <= ") << threshold
            << "\n";
    }
}

void write_shadow(const shadow_report& shadow, bool has_labels, std::ostream& out) {
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
    out << "\n  Agreement       " << percent(s.agreement_rate) << "  (95% Wilson CI "
        << percent(s.agreement_ci95.low) << " - " << percent(s.agreement_ci95.high)
        << ", n = " << s.agreement_n << ")\n";
    out << "  Cohen's kappa   " << (s.kappa ? number(s.kappa) : "undefined (one class only)")
        << "\n";
    out << "  Error rate      production " << percent(s.production_error_rate) << ", shadow "
        << percent(s.shadow_error_rate) << "\n";
    if (has_labels) {
        out << "  Accuracy        production " << percent(s.accuracy.production) << ", shadow "
            << percent(s.accuracy.shadow) << "  (joined " << s.accuracy.joined << ", unlabeled "
            << s.accuracy.unlabeled << ", unmatched labels " << shadow.unmatched_labels << ")\n";
    }
    out << "\n";
    write_confusion(s, out);
    if (s.classes_truncated) {
        out << "  (more distinct predictions than tracked: rare ones share \"other\")\n";
    }
    out << "\n";
    write_distribution(s, out);
    out << "\n";
    write_latency(s, out);
    out << "\n";
    write_checklist(shadow.promotion, out);
    out << "\n";
}

}  // namespace

void write_text(const report_result& result, std::ostream& out) {
    out << "shadowproxy report: " << result.records << " records, " << result.malformed
        << " malformed lines\n";
    for (const auto& m : result.malformed_samples) {
        out << "  malformed: " << m.file << " line " << m.line << ": " << m.reason << "\n";
    }
    out << "\n";
    if (result.features) {
        write_features(*result.features, out);
    }
    if (result.shadows.empty()) {
        out << "No shadow records: nothing to promote.\n";
    }
    for (const auto& shadow : result.shadows) {
        write_shadow(shadow, result.has_labels, out);
    }
    out << "Percentiles: linear interpolation between closest ranks (numpy/pandas default), over\n"
           "exchanges without error; delta over records where neither side has an error.\n";
}

}  // namespace shadowproxy::report
