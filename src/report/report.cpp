#include "shadowproxy/report/report.hpp"

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
};

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

stats::observation observation_of(const parsed_record& record) {
    stats::observation o;
    o.result = record.result;
    o.production_prediction = record.production.prediction_key;
    o.shadow_prediction = record.shadow.prediction_key;
    o.production_error = record.production.has_error;
    o.shadow_error = record.shadow.has_error;
    o.production_latency_ms = record.production.latency_ms;
    o.shadow_latency_ms = record.shadow.latency_ms;
    o.production_ttfb_ms = record.production.ttfb_ms;
    o.shadow_ttfb_ms = record.shadow.ttfb_ms;
    return o;
}

bool is_blank(std::string_view line) {
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

report_result build_report(const report_options& options) {
    report_result result;
    label_table labels;
    if (options.labels_path) {
        labels = load_labels(*options.labels_path);
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
    shadow_state* last = nullptr;  // records of one shadow often come in runs
    const std::string* last_name = nullptr;

    record_parser parser;
    parsed_record record;
    for (const auto& path : options.logs) {
        line_reader reader(path);
        std::string_view line;
        while (reader.next(line)) {
            if (is_blank(line)) {
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
            if (record.form != parsed_record::features_form::absent &&
                feature_requests.insert(std::hash<std::string>{}(record.request_id))) {
                observe_features(record, monitor);
            }
            if (options.shadow && record.shadow_name != *options.shadow) {
                continue;
            }
            if (last == nullptr || *last_name != record.shadow_name) {
                auto found = shadows.find(record.shadow_name);
                if (found == shadows.end()) {
                    found =
                        shadows
                            .emplace(record.shadow_name,
                                     shadow_state{{record.shadow_name, stats::latency_mode::exact},
                                                  std::vector<bool>(labels.keys.size(), false)})
                            .first;
                }
                last = &found->second;
                last_name = &found->first;
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
        }
    }

    const stats::features_summary features = monitor.summarize();
    if (base || features.requests > 0) {
        result.features = features;
    }
    for (auto& [name, state] : shadows) {
        shadow_report shadow{state.accumulator.summarize(), 0, {}};
        for (const bool matched : state.matched_labels) {
            shadow.unmatched_labels += matched ? 0 : 1;
        }
        const auto& s = shadow.summary;
        stats::promotion_inputs measured;
        measured.requests = s.requests;
        measured.agreement = s.agreement_rate;
        measured.shadow_p95_ms = s.shadow_latency.p95;
        measured.shadow_error_rate = s.shadow_error_rate;
        measured.has_labels = result.has_labels;
        measured.production_accuracy = s.accuracy.production;
        measured.shadow_accuracy = s.accuracy.shadow;
        measured.has_baseline = base != nullptr;
        measured.max_feature_psi = features.max_psi;
        shadow.promotion = stats::evaluate_promotion(options.promotion, measured);
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
