#include "shadowproxy/report/report.hpp"

#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <ostream>

#include "shadowproxy/report/csv_inputs.hpp"
#include "shadowproxy/report/line_reader.hpp"
#include "shadowproxy/report/record_parser.hpp"

namespace shadowproxy::report {

namespace {

// Request ids seen, as 64-bit hashes in an open-addressing table: 8 bytes per id at most twice
// over, where a set of strings would take ~80. A collision (odds ~n^2/2^65) merges two requests.
class id_set {
public:
    bool insert(std::uint64_t hash) {
        hash = hash == 0 ? 1 : hash;  // 0 marks an empty slot
        if ((size_ + 1) * 2 > slots_.size()) {
            grow();
        }
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
            if (slots_[i] == hash) {
                return false;
            }
            if (slots_[i] == 0) {
                slots_[i] = hash;
                ++size_;
                return true;
            }
        }
    }

private:
    void grow() {
        std::vector<std::uint64_t> old(std::max<std::size_t>(slots_.size() * 2, 1024), 0);
        old.swap(slots_);
        size_ = 0;
        for (const auto h : old) {
            if (h != 0) {
                insert(h);
            }
        }
    }

    std::vector<std::uint64_t> slots_;
    std::size_t size_ = 0;
};

struct shadow_state {
    stats::shadow_accumulator accumulator;
    std::vector<bool> matched_labels;
    std::optional<stats::regression_accumulator> regression;
    stats::segment_table paths;
    stats::feature_segments features;
    stats::llm_accumulator llm{stats::latency_mode::exact};
};

// The noise reference's records: production against a second instance of itself.
struct noise_state {
    std::string name;
    stats::shadow_accumulator accumulator{"", stats::latency_mode::exact};
    stats::llm_accumulator llm{stats::latency_mode::exact};
};

stats::llm_observation llm_observation_of(const parsed_record& record) {
    stats::llm_observation o;
    o.agreement = record.llm_compare;
    const auto& p = record.production;
    const auto& s = record.shadow;
    o.tool_calls_seen = p.tool_calls > 0 || s.tool_calls > 0;
    if (p.has_llm && !p.has_error) {
        o.production_ttft_ms = p.ttft_ms;
        o.production_itl_ms = p.itl_ms_mean;
        o.production_tokens_per_s = p.tokens_per_s;
        o.production_finish = p.finish_reason;
    }
    if (s.has_llm && !s.has_error) {
        o.shadow_ttft_ms = s.ttft_ms;
        o.shadow_itl_ms = s.itl_ms_mean;
        o.shadow_tokens_per_s = s.tokens_per_s;
        o.shadow_finish = s.finish_reason;
    }
    return o;
}

constexpr unsigned server_error_status = 500;

std::optional<double> number_of_key(std::string_view key) {
    double value = 0;
    const auto [stop, code] = std::from_chars(key.data(), key.data() + key.size(), value);
    if (code != std::errc{} || stop != key.data() + key.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

// This record's score for the segment tables: 1/0 disagreement, or the absolute error; none
// when the record says nothing about agreement (a prediction missing).
std::optional<double> segment_score(const parsed_record& record, bool regression) {
    if (regression) {
        const auto& p = record.production.prediction_number;
        const auto& s = record.shadow.prediction_number;
        return p && s ? std::optional<double>(std::fabs(*s - *p)) : std::nullopt;
    }
    const auto& p = record.production.prediction_key;
    const auto& s = record.shadow.prediction_key;
    if (p.empty() || s.empty()) {
        return std::nullopt;
    }
    return p == s ? 0.0 : 1.0;
}

void add_segments(const parsed_record& record, const std::vector<std::string>& names,
                  bool regression, shadow_state& state) {
    const auto score = segment_score(record, regression);
    if (!score) {
        return;
    }
    state.paths.add(record.path.empty() ? std::string_view("(none)") : record.path, *score);
    for (const auto& f : record.features) {
        if (f.kind != stats::feature_kind::number) {
            continue;
        }
        if (record.form == parsed_record::features_form::array) {
            const std::string name =
                f.index < names.size() ? names[f.index] : std::to_string(f.index);
            state.features.add(name, f.value, *score);
        } else {
            state.features.add(f.name, f.value, *score);
        }
    }
}

void observe_features(const parsed_record& record, stats::feature_monitor& monitor) {
    monitor.begin_request(record.features_truncated);
    for (const auto& f : record.features) {
        if (record.form == parsed_record::features_form::array) {
            monitor.observe_position(f.index, f.kind, f.value);
        } else {
            monitor.observe(f.name, f.kind, f.value);
        }
    }
}

void add_regression(const parsed_record& record, std::optional<std::string_view> label,
                    stats::regression_accumulator& regression) {
    const auto& p = record.production.prediction_number;
    const auto& s = record.shadow.prediction_number;
    if (p && s) {
        regression.add(*p, *s);
    } else {
        regression.add_non_numeric();
    }
    if (label) {
        if (const auto truth = number_of_key(*label)) {
            regression.add_label(p, s, *truth);
        }
    }
}

stats::observation observation_of(const parsed_record& record) {
    stats::observation o;
    o.result = record.result;
    o.production_prediction = record.production.prediction_key;
    o.shadow_prediction = record.shadow.prediction_key;
    o.production_error = record.production.has_error;
    o.shadow_error = record.shadow.has_error;
    o.production_latency_ms = record.production.latency_ms;
    o.shadow_latency_ms = record.shadow.latency_ms;
    // A gRPC call that failed (grpc-status not OK) is an error whatever its HTTP status.
    o.production_server_error = record.production.status >= server_error_status ||
                                record.production.grpc_status.value_or(0) != 0;
    o.shadow_server_error =
        record.shadow.status >= server_error_status || record.shadow.grpc_status.value_or(0) != 0;
    // Logs without status_match: statuses differ when both are known and unequal.
    o.status_match =
        record.status_match.value_or(record.production.status == 0 || record.shadow.status == 0 ||
                                     record.production.status == record.shadow.status);
    o.production_ttfb_ms = record.production.ttfb_ms;
    o.shadow_ttfb_ms = record.shadow.ttfb_ms;
    return o;
}

bool is_blank_line(std::string_view line) {
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

report_result build_report(const report_options& options) {
    report_result result;
    result.predictions = options.predictions;
    result.criteria = options.promotion;
    result.defaults_applied = options.defaults_applied;
    result.allow_unevaluated = options.allow_unevaluated;
    const bool regression = options.predictions == config::prediction_type::regression;
    period_tracker period;
    label_table labels;
    if (options.labels_path) {
        labels = load_labels(*options.labels_path, options.id_column, options.label_column);
        result.has_labels = true;
        result.labels = labels.keys.size();
    }
    std::shared_ptr<const stats::baseline> base;
    if (options.baseline_path) {
        base =
            std::make_shared<const stats::baseline>(stats::load_baseline(*options.baseline_path));
    }
    stats::feature_monitor monitor(options.feature_names, base);
    id_set feature_requests;
    std::map<std::string, shadow_state, std::less<>> shadows;
    std::optional<noise_state> noise;
    shadow_state* last = nullptr;  // records of one shadow often come in runs
    const std::string* last_name = nullptr;

    record_parser parser;
    parsed_record record;
    for (const auto& path : options.logs) {
        line_reader reader(path);
        std::string_view line;
        while (reader.next(line)) {
            if (is_blank_line(line)) {
                continue;
            }
            if (!parser.parse(line, record)) {
                if (result.malformed_samples.size() < malformed_samples_kept) {
                    result.malformed_samples.push_back(
                        {reader.name(), reader.line_number(), parser.error()});
                }
                ++result.malformed;
                continue;
            }
            ++result.records;
            period.add(record.ts);
            if (record.form != parsed_record::features_form::absent &&
                feature_requests.insert(std::hash<std::string>{}(record.request_id))) {
                observe_features(record, monitor);
            }
            if (record.noise_reference) {
                if (!noise) {
                    noise.emplace();
                    noise->name = record.shadow_name;
                }
                noise->accumulator.add(observation_of(record));
                noise->llm.add(llm_observation_of(record));
                continue;
            }
            if (options.shadow && record.shadow_name != *options.shadow) {
                continue;
            }
            if (last == nullptr || *last_name != record.shadow_name) {
                auto found = shadows.find(record.shadow_name);
                if (found == shadows.end()) {
                    found = shadows
                                .emplace(record.shadow_name,
                                         shadow_state{
                                             {record.shadow_name, stats::latency_mode::exact},
                                             std::vector<bool>(labels.keys.size(), false),
                                             std::nullopt,
                                             {},
                                             stats::feature_segments(base.get()),
                                             stats::llm_accumulator{stats::latency_mode::exact}})
                                .first;
                }
                last = &found->second;
                last_name = &found->first;
                if (regression && !last->regression) {
                    last->regression.emplace(options.float_abs_tolerance,
                                             options.float_rel_tolerance);
                }
            }
            stats::observation observation = observation_of(record);
            if (result.has_labels) {
                if (const auto label = labels.index.find(record.request_id);
                    label != labels.index.end()) {
                    observation.label = labels.keys[label->second];
                    last->matched_labels[label->second] = true;
                }
            }
            last->accumulator.add(observation);
            last->llm.add(llm_observation_of(record));
            if (regression) {
                add_regression(record, observation.label, *last->regression);
            }
            add_segments(record, options.feature_names, regression, *last);
        }
    }

    const stats::features_summary features = monitor.summarize();
    if (base || features.requests > 0) {
        result.features = features;
    }
    result.period = period.summarize(result.records);
    if (noise) {
        noise_reference_report reference;
        reference.name = noise->name;
        reference.summary = noise->accumulator.summarize();
        reference.summary.name = noise->name;
        if (noise->llm.any()) {
            reference.llm = noise->llm.summarize();
        }
        result.noise = std::move(reference);
    }
    const auto kind = regression ? stats::segment_score::mean : stats::segment_score::rate;
    for (auto& [name, state] : shadows) {
        shadow_report shadow;
        shadow.summary = state.accumulator.summarize();
        for (const bool matched : state.matched_labels) {
            shadow.unmatched_labels += matched ? 0 : 1;
        }
        if (state.regression) {
            shadow.regression = state.regression->summarize();
        }
        auto rows = state.paths.rows("path", kind);
        auto feature_rows = state.features.rows(kind);
        rows.insert(rows.end(), feature_rows.begin(), feature_rows.end());
        shadow.segments = stats::top_segments(std::move(rows));
        if (state.llm.any()) {
            shadow.llm = state.llm.summarize();
        }
        if (result.noise) {
            const auto& noise_report = *result.noise;
            shadow.noise = stats::gap_to_noise(noise_report.summary,
                                               noise_report.llm ? &*noise_report.llm : nullptr,
                                               shadow.summary, shadow.llm ? &*shadow.llm : nullptr);
        }

        stats::regression_measure measure;
        if (shadow.regression) {
            const auto& r = *shadow.regression;
            measure.n = r.n;
            measure.within = r.within;
            measure.mae = r.mae;
            measure.production_label_mae = r.production_vs_label.mae;
            measure.shadow_label_mae = r.shadow_vs_label.mae;
        }
        stats::promotion_sources sources;
        sources.predictions = options.predictions;
        sources.has_labels = result.has_labels;
        sources.regression = shadow.regression ? &measure : nullptr;
        sources.features = &features;
        sources.llm = shadow.llm ? &*shadow.llm : nullptr;
        if (shadow.noise) {
            sources.noise_gap = shadow.noise->gap;
        }
        shadow.promotion = stats::evaluate_promotion(
            options.promotion, stats::promotion_inputs_of(shadow.summary, sources),
            options.allow_unevaluated);
        result.shadows.push_back(std::move(shadow));
    }
    return result;
}

int exit_code_of(const report_result& result) {
    if (result.shadows.empty()) {
        return 1;
    }
    for (const auto& shadow : result.shadows) {
        if (!shadow.promotion.passed) {
            return 1;
        }
    }
    return 0;
}

int run_report(const report_options& options, std::ostream& out, std::ostream& err) {
    report_result result;
    try {
        result = build_report(options);
    } catch (const read_error& e) {
        err << "shadowproxy report: " << e.what() << '\n';
        return 2;
    } catch (const stats::baseline_error& e) {
        err << "shadowproxy report: " << e.what() << '\n';
        return 2;
    }
    if (options.shadow && result.shadows.empty()) {
        err << "shadowproxy report: no valid record of shadow \"" << *options.shadow
            << "\" in the logs\n";
        return 2;
    }
    if (options.format == output_format::json) {
        write_json(result, out);
    } else {
        write_text(result, out);
    }
    if (result.malformed > 0) {
        err << "shadowproxy report: " << result.malformed << " malformed line(s) skipped, first at "
            << result.malformed_samples.front().file << " line "
            << result.malformed_samples.front().line << '\n';
    }
    return exit_code_of(result);
}

}  // namespace shadowproxy::report
