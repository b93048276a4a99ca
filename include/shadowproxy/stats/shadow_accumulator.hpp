// Per-shadow running statistics of comparison records (docs/report.md): fed one record at a time,
// it yields the summary `report` prints and /stats serves.
//
// Owned by one thread (report's reader, or the proxy's comparison thread); not thread-safe.
// Memory: latencies grow with the records in latency_mode::exact and stay bounded (a few KiB)
// in latency_mode::sketch; predictions are tracked per class up to max_classes distinct keys,
// later new keys share one overflow class (summary.classes_truncated), so kappa and the tables
// become approximate then while agreement and accuracy stay exact. Does not throw except
// std::bad_alloc.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "shadowproxy/stats/agreement.hpp"
#include "shadowproxy/stats/classification.hpp"
#include "shadowproxy/stats/quantiles.hpp"
#include "shadowproxy/words/words.hpp"

namespace shadowproxy::stats {

// The outcome words: words/words.hpp.
using words::outcome;
using words::outcome_names;
using words::parse_outcome;

// One record's fields. Predictions and the label are prediction_key()s; an empty prediction key
// is null. The views need only live during add().
struct observation {
    outcome result = outcome::match;
    std::string_view production_prediction;
    std::string_view shadow_prediction;
    bool production_error = false;  // "error" is not null: a transport error
    bool shadow_error = false;
    bool production_server_error = false;  // answered with an HTTP status >= 500
    bool shadow_server_error = false;
    bool status_match = true;                     // the record's status_match
    std::optional<double> production_latency_ms;  // ignored when that side has an error
    std::optional<double> shadow_latency_ms;
    std::optional<double> production_ttfb_ms;  // time to first byte; ignored like latency
    std::optional<double> shadow_ttfb_ms;
    std::optional<std::string_view> label;  // ground truth when labels are joined
};

struct percentiles {
    std::optional<double> p50, p95, p99;
    std::uint64_t n = 0;
};

struct class_share {
    std::string label;  // display_label() of the class, or other_label
    double share = 0.0;
};

struct accuracy_summary {
    std::optional<double> production, shadow;  // over joined records; null predictions are wrong
    interval production_ci95, shadow_ci95;     // Wilson
    std::uint64_t joined = 0;
    std::uint64_t unlabeled = 0;
    paired_correctness paired;        // production vs shadow correctness on joined records
    std::optional<double> mcnemar_p;  // exact McNemar test of paired, when joined > 0
    std::vector<class_score> production_classes, shadow_classes;  // natural order
};

struct shadow_summary {
    std::string name;
    std::uint64_t requests = 0;
    std::array<std::uint64_t, outcome_names.size()> outcomes{};
    // Agreement over records where both predictions are non-null.
    std::uint64_t agreement_n = 0;
    std::uint64_t agreements = 0;
    std::optional<double> agreement_rate;
    interval agreement_ci95;
    std::optional<double> kappa;  // over the same records, every class
    // Top classes by production + shadow count, in natural order (numbers numerically, then
    // strings), then other_label for the rest if any; rows are production's predictions,
    // columns the shadow's.
    std::vector<std::string> confusion_labels;
    confusion_matrix confusion;
    bool classes_truncated = false;
    // Shares of each side's non-null predictions, over the same labels as the confusion table.
    std::vector<class_share> production_distribution, shadow_distribution;
    percentiles production_latency, shadow_latency, latency_delta;  // delta = shadow - production
    percentiles production_ttfb, shadow_ttfb;  // time to first byte, over the same exchanges
    // Error: a transport error or an HTTP status >= 500, over all records; transport: the
    // former only. Status mismatches: records with status_match false, over all records.
    std::optional<double> production_error_rate, shadow_error_rate;
    std::optional<double> production_transport_error_rate, shadow_transport_error_rate;
    std::uint64_t production_server_errors = 0, shadow_server_errors = 0;  // status >= 500
    std::uint64_t status_mismatches = 0;
    std::optional<double> status_mismatch_rate;
    accuracy_summary accuracy;
};

class shadow_accumulator {
public:
    static constexpr std::size_t default_max_classes = 4096;
    static constexpr std::size_t top_classes = 10;

    shadow_accumulator(std::string name, latency_mode mode,
                       std::size_t max_classes = default_max_classes);

    void add(const observation& record);
    std::uint64_t requests() const { return requests_; }
    // Sorts exact latencies, hence not const; add() may continue afterwards.
    shadow_summary summarize();

private:
    std::uint32_t class_id(std::string_view key);
    void count_classes(std::string_view production, std::string_view shadow);

    struct transparent_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };

    std::string name_;
    std::size_t max_classes_;
    std::uint64_t requests_ = 0;
    std::array<std::uint64_t, outcome_names.size()> outcomes_{};
    std::uint64_t agreement_n_ = 0;
    std::uint64_t agreements_ = 0;
    std::unordered_map<std::string, std::uint32_t, transparent_hash, std::equal_to<>> ids_;
    std::vector<std::string> keys_;  // by class id; the overflow class has an empty key
    std::optional<std::uint32_t> overflow_id_;
    std::unordered_map<std::uint64_t, std::uint64_t> pairs_;  // (prod id << 32 | shadow id)
    std::vector<std::uint64_t> pair_rows_, pair_cols_;        // marginals of pairs_
    std::vector<std::uint64_t> production_counts_, shadow_counts_;
    latency_store production_latency_, shadow_latency_, delta_latency_;
    latency_store production_ttfb_, shadow_ttfb_;
    std::uint64_t production_errors_ = 0;  // transport or 5xx
    std::uint64_t shadow_errors_ = 0;
    std::uint64_t production_transport_errors_ = 0;
    std::uint64_t shadow_transport_errors_ = 0;
    std::uint64_t production_server_errors_ = 0;
    std::uint64_t shadow_server_errors_ = 0;
    std::uint64_t status_mismatches_ = 0;
    accuracy_summary accuracy_;
    std::uint64_t production_correct_ = 0;
    std::uint64_t shadow_correct_ = 0;
    class_scores production_scores_, shadow_scores_;
};

}  // namespace shadowproxy::stats
