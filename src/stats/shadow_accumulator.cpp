#include "shadowproxy/stats/shadow_accumulator.hpp"

#include <algorithm>
#include <limits>

#include "shadowproxy/stats/prediction_key.hpp"

namespace shadowproxy::stats {

namespace {

constexpr std::uint32_t no_class = std::numeric_limits<std::uint32_t>::max();

std::optional<double> ratio(std::uint64_t part, std::uint64_t whole) {
    if (whole == 0) {
        return std::nullopt;
    }
    return static_cast<double>(part) / static_cast<double>(whole);
}

percentiles percentiles_of(latency_store& store) {
    return {store.quantile(0.50), store.quantile(0.95), store.quantile(0.99), store.count()};
}

}  // namespace

shadow_accumulator::shadow_accumulator(std::string name, latency_mode mode, std::size_t max_classes)
    : name_(std::move(name)),
      max_classes_(std::max<std::size_t>(max_classes, 1)),
      production_latency_(mode),
      shadow_latency_(mode),
      delta_latency_(mode),
      production_ttfb_(mode),
      shadow_ttfb_(mode) {}

std::uint32_t shadow_accumulator::class_id(std::string_view key) {
    if (key.empty()) {
        return no_class;
    }
    if (const auto found = ids_.find(key); found != ids_.end()) {
        return found->second;
    }
    std::uint32_t id = 0;
    if (ids_.size() < max_classes_) {
        id = static_cast<std::uint32_t>(keys_.size());
        ids_.emplace(std::string(key), id);
        keys_.emplace_back(key);
    } else {
        if (!overflow_id_) {
            overflow_id_ = static_cast<std::uint32_t>(keys_.size());
            keys_.emplace_back();
        }
        id = *overflow_id_;
    }
    const std::size_t classes = keys_.size();
    production_counts_.resize(classes, 0);
    shadow_counts_.resize(classes, 0);
    pair_rows_.resize(classes, 0);
    pair_cols_.resize(classes, 0);
    return id;
}

void shadow_accumulator::count_classes(std::string_view production, std::string_view shadow) {
    const std::uint32_t row = class_id(production);
    const std::uint32_t col = class_id(shadow);
    if (row != no_class) {
        ++production_counts_[row];
    }
    if (col != no_class) {
        ++shadow_counts_[col];
    }
    if (row != no_class && col != no_class) {
        ++pairs_[(std::uint64_t{row} << 32) | col];
        ++pair_rows_[row];
        ++pair_cols_[col];
    }
}

void shadow_accumulator::add(const observation& record) {
    ++requests_;
    ++outcomes_[static_cast<std::size_t>(record.result)];
    production_errors_ += record.production_error || record.production_server_error ? 1 : 0;
    shadow_errors_ += record.shadow_error || record.shadow_server_error ? 1 : 0;
    production_transport_errors_ += record.production_error ? 1 : 0;
    shadow_transport_errors_ += record.shadow_error ? 1 : 0;
    production_server_errors_ += record.production_server_error ? 1 : 0;
    shadow_server_errors_ += record.shadow_server_error ? 1 : 0;
    status_mismatches_ += record.status_match ? 0 : 1;

    const auto& prod = record.production_prediction;
    const auto& shadow = record.shadow_prediction;
    if (!prod.empty() && !shadow.empty()) {
        ++agreement_n_;
        agreements_ += prod == shadow ? 1 : 0;
    }
    count_classes(prod, shadow);

    const bool prod_timed = !record.production_error && record.production_latency_ms;
    const bool shadow_timed = !record.shadow_error && record.shadow_latency_ms;
    if (prod_timed) {
        production_latency_.record(*record.production_latency_ms);
    }
    if (shadow_timed) {
        shadow_latency_.record(*record.shadow_latency_ms);
    }
    if (prod_timed && shadow_timed) {
        delta_latency_.record(*record.shadow_latency_ms - *record.production_latency_ms);
    }
    if (!record.production_error && record.production_ttfb_ms) {
        production_ttfb_.record(*record.production_ttfb_ms);
    }
    if (!record.shadow_error && record.shadow_ttfb_ms) {
        shadow_ttfb_.record(*record.shadow_ttfb_ms);
    }

    if (record.label) {
        ++accuracy_.joined;
        const bool prod_correct = !prod.empty() && prod == *record.label;
        const bool shadow_correct = !shadow.empty() && shadow == *record.label;
        production_correct_ += prod_correct ? 1 : 0;
        shadow_correct_ += shadow_correct ? 1 : 0;
        accuracy_.paired.add(prod_correct, shadow_correct);
        production_scores_.add(*record.label, prod);
        shadow_scores_.add(*record.label, shadow);
    } else {
        ++accuracy_.unlabeled;
    }
}

shadow_summary shadow_accumulator::summarize() {
    shadow_summary s;
    s.name = name_;
    s.requests = requests_;
    s.outcomes = outcomes_;
    s.agreement_n = agreement_n_;
    s.agreements = agreements_;
    s.agreement_rate = ratio(agreements_, agreement_n_);
    s.agreement_ci95 = wilson_interval(agreements_, agreement_n_);
    s.kappa = cohen_kappa(agreements_, pair_rows_, pair_cols_);
    s.classes_truncated = overflow_id_.has_value();

    // Top classes by combined count (ties by key, for stable output); the rest become "other".
    std::vector<std::uint32_t> order;
    for (std::uint32_t id = 0; id < keys_.size(); ++id) {
        if (id != overflow_id_ && production_counts_[id] + shadow_counts_[id] > 0) {
            order.push_back(id);
        }
    }
    std::sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) {
        const auto ca = production_counts_[a] + shadow_counts_[a];
        const auto cb = production_counts_[b] + shadow_counts_[b];
        return ca != cb ? ca > cb : keys_[a] < keys_[b];
    });
    const bool has_other =
        order.size() > top_classes ||
        (overflow_id_ && production_counts_[*overflow_id_] + shadow_counts_[*overflow_id_] > 0);
    order.resize(std::min(order.size(), top_classes));
    std::sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) {
        return natural_key_less(keys_[a], keys_[b]);
    });
    const std::size_t width = order.size() + (has_other ? 1 : 0);
    std::vector<std::size_t> index(keys_.size(), order.size());  // default: the "other" column
    for (std::size_t i = 0; i < order.size(); ++i) {
        index[order[i]] = i;
        s.confusion_labels.push_back(display_label(keys_[order[i]]));
    }
    if (has_other) {
        s.confusion_labels.emplace_back(other_label);
    }
    s.confusion.assign(width, std::vector<std::uint64_t>(width, 0));
    for (const auto& [pair, count] : pairs_) {
        s.confusion[index[pair >> 32]][index[pair & 0xffffffffU]] += count;
    }
    std::vector<std::uint64_t> prod_totals(width, 0);
    std::vector<std::uint64_t> shadow_totals(width, 0);
    std::uint64_t prod_sum = 0;
    std::uint64_t shadow_sum = 0;
    for (std::size_t id = 0; id < keys_.size(); ++id) {
        prod_totals[index[id]] += production_counts_[id];
        shadow_totals[index[id]] += shadow_counts_[id];
        prod_sum += production_counts_[id];
        shadow_sum += shadow_counts_[id];
    }
    for (std::size_t i = 0; i < width; ++i) {
        if (prod_sum > 0) {
            s.production_distribution.push_back(
                {s.confusion_labels[i], *ratio(prod_totals[i], prod_sum)});
        }
        if (shadow_sum > 0) {
            s.shadow_distribution.push_back(
                {s.confusion_labels[i], *ratio(shadow_totals[i], shadow_sum)});
        }
    }

    s.production_latency = percentiles_of(production_latency_);
    s.shadow_latency = percentiles_of(shadow_latency_);
    s.latency_delta = percentiles_of(delta_latency_);
    s.production_ttfb = percentiles_of(production_ttfb_);
    s.shadow_ttfb = percentiles_of(shadow_ttfb_);
    s.production_error_rate = ratio(production_errors_, requests_);
    s.shadow_error_rate = ratio(shadow_errors_, requests_);
    s.production_transport_error_rate = ratio(production_transport_errors_, requests_);
    s.shadow_transport_error_rate = ratio(shadow_transport_errors_, requests_);
    s.production_server_errors = production_server_errors_;
    s.shadow_server_errors = shadow_server_errors_;
    s.status_mismatches = status_mismatches_;
    s.status_mismatch_rate = ratio(status_mismatches_, requests_);
    s.accuracy = accuracy_;
    s.accuracy.production = ratio(production_correct_, accuracy_.joined);
    s.accuracy.shadow = ratio(shadow_correct_, accuracy_.joined);
    s.accuracy.production_ci95 = wilson_interval(production_correct_, accuracy_.joined);
    s.accuracy.shadow_ci95 = wilson_interval(shadow_correct_, accuracy_.joined);
    if (accuracy_.joined > 0) {
        s.accuracy.mcnemar_p = accuracy_.paired.mcnemar_p();
        s.accuracy.production_classes = production_scores_.summarize();
        s.accuracy.shadow_classes = shadow_scores_.summarize();
    }
    return s;
}

}  // namespace shadowproxy::stats
