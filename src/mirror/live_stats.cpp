#include "shadowproxy/mirror/live_stats.hpp"

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>

#include "shadowproxy/stats/prediction_key.hpp"

namespace shadowproxy::mirror {

namespace {

constexpr unsigned first_server_error = 500;

// The log writes latencies rounded to whole microseconds and `report` reads them from there:
// the same rounding keeps the two computations on the same numbers.
double log_millis(double ms) {
    return std::round(ms * 1000.0) / 1000.0;
}

stats::percentiles sketch_percentiles(const stats::latency_sketch& sketch) {
    return {sketch.quantile(0.50), sketch.quantile(0.95), sketch.quantile(0.99), sketch.count()};
}

stats::feature_kind json_feature_kind(const nlohmann::json& value, double& number) {
    if (value.is_null()) {
        return stats::feature_kind::null;
    }
    if (value.is_number()) {
        number = value.get<double>();
        return stats::feature_kind::number;
    }
    return stats::feature_kind::non_numeric;
}

void feed(stats::feature_monitor& monitor, const nlohmann::json& features, bool truncated) {
    monitor.begin_request(truncated);
    double number = 0.0;
    if (features.is_array()) {
        for (std::size_t i = 0; i < features.size(); ++i) {
            number = 0.0;
            const auto kind = json_feature_kind(features[i], number);
            monitor.observe_position(i, kind, number);
        }
    } else if (features.is_object()) {
        for (const auto& [name, value] : features.items()) {
            number = 0.0;
            const auto kind = json_feature_kind(value, number);
            monitor.observe(name, kind, number);
        }
    }
}

}  // namespace

live_stats::shadow_state::shadow_state(const std::string& name)
    : accumulator(name, stats::latency_mode::sketch, max_classes) {}

live_stats::live_stats() = default;

std::int64_t live_stats::now_seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                            started_)
        .count();
}

void live_stats::configure_features(const std::optional<config::features_config>& settings,
                                    std::shared_ptr<const stats::baseline> base) {
    std::lock_guard lock(mutex_);
    const bool same = settings.has_value() == feature_settings_.has_value() &&
                      (!settings || (settings->names == feature_settings_->names &&
                                     settings->baseline == feature_settings_->baseline));
    if (same && features_) {
        return;
    }
    feature_settings_ = settings;
    baseline_ = std::move(base);
    features_ = settings ? make_monitor() : nullptr;
    const std::int64_t now = now_seconds();
    feature_windows_[0] = {now, settings ? make_monitor() : nullptr};
    feature_windows_[1] = {now - window_seconds / 2, settings ? make_monitor() : nullptr};
}

std::unique_ptr<stats::feature_monitor> live_stats::make_monitor() const {
    return std::make_unique<stats::feature_monitor>(feature_settings_->names, baseline_,
                                                    max_features);
}

void live_stats::rotate_feature_windows(std::int64_t now) {
    for (auto& window : feature_windows_) {
        if (window.monitor && now - window.started >= window_seconds) {
            window = {now, make_monitor()};
        }
    }
}

void live_stats::observe_features(const live_record& record, std::int64_t now) {
    if (!features_ || record.features == nullptr) {
        return;
    }
    feed(*features_, *record.features, record.features_truncated);
    rotate_feature_windows(now);
    for (auto& window : feature_windows_) {
        feed(*window.monitor, *record.features, record.features_truncated);
    }
}

void live_stats::record(const live_record& record) {
    const auto& production = *record.production;
    const auto& shadow = *record.shadow;
    const auto& result = *record.result;
    const std::string production_key = stats::prediction_key(result.production_prediction);
    const std::string shadow_key = stats::prediction_key(result.shadow_prediction);
    stats::observation o;
    o.result = result.result;
    o.production_prediction = production_key;
    o.shadow_prediction = shadow_key;
    o.production_error = production.error.has_value();
    o.shadow_error = shadow.error.has_value();
    // A gRPC call that failed (grpc-status not OK) is an error whatever its HTTP status.
    o.production_server_error =
        production.status >= first_server_error || production.grpc_status.value_or(0) != 0;
    o.shadow_server_error =
        shadow.status >= first_server_error || shadow.grpc_status.value_or(0) != 0;
    o.status_match = result.status_match;
    o.production_latency_ms = log_millis(production.latency_ms);
    o.shadow_latency_ms = log_millis(shadow.latency_ms);
    o.production_ttfb_ms = log_millis(production.ttfb_ms);
    o.shadow_ttfb_ms = log_millis(shadow.ttfb_ms);

    std::lock_guard lock(mutex_);
    const std::int64_t now = now_seconds();
    auto found = shadows_.find(record.shadow_name);
    if (found == shadows_.end()) {
        const std::string name{record.shadow_name};
        found = shadows_.try_emplace(name, name).first;
    }
    shadow_state& state = found->second;
    state.accumulator.add(o);
    state.noise_reference = record.noise_reference;
    if (record.llm != nullptr) {
        state.llm.add(*record.llm);
    }

    auto& slot = state.seconds[static_cast<std::size_t>(now) % window_seconds];
    if (slot.second != now) {
        slot = {now, {}};
    }
    auto& counts = slot.counts;
    ++counts.requests;
    ++counts.outcomes[static_cast<std::size_t>(o.result)];
    const bool agreement_known = !production_key.empty() && !shadow_key.empty();
    if (agreement_known) {
        ++counts.agreement_n;
        counts.agreements += production_key == shadow_key ? 1 : 0;
    }
    const bool production_failed = o.production_error || o.production_server_error;
    const bool shadow_failed = o.shadow_error || o.shadow_server_error;
    counts.production_errors += production_failed ? 1 : 0;
    counts.shadow_errors += shadow_failed ? 1 : 0;
    counts.status_mismatches += o.status_match ? 0 : 1;
    history_sample sample;
    sample.agreement_known = agreement_known;
    // The comparator's verdict: equal labels, or numbers within the compare tolerances.
    sample.agreed = result.prediction_match;
    sample.shadow_error = shadow_failed;
    sample.shadow_server_error = o.shadow_server_error;
    sample.status_mismatch = !o.status_match;
    if (!o.production_error) {
        sample.production_ms = o.production_latency_ms;
    }
    if (!o.shadow_error) {
        sample.shadow_ms = o.shadow_latency_ms;
    }
    state.history.record(sample, now);
    if (result.production_prediction.is_number() && result.shadow_prediction.is_number()) {
        ++state.regression.n;
        state.regression.within += result.prediction_match ? 1 : 0;
        state.regression.abs_sum += std::fabs(result.shadow_prediction.get<double>() -
                                              result.production_prediction.get<double>());
    }
    if (!o.production_error) {
        state.production_window.record(*o.production_latency_ms, now);
    }
    if (!o.shadow_error) {
        state.shadow_window.record(*o.shadow_latency_ms, now);
    }

    if (record.first_copy) {
        if (!o.production_error) {
            production_latency_.record(*o.production_latency_ms);
            production_window_.record(*o.production_latency_ms, now);
        }
        observe_features(record, now);
    }
}

stats::live_snapshot live_stats::snapshot() {
    std::lock_guard lock(mutex_);
    const std::int64_t now = now_seconds();
    stats::live_snapshot out;
    out.uptime_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    out.now_unix_seconds =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    out.now_seconds = now;
    for (auto& [name, state] : shadows_) {
        stats::live_shadow shadow;
        shadow.since_start = state.accumulator.summarize();
        shadow.noise_reference = state.noise_reference;
        if (state.llm.any()) {
            shadow.llm = state.llm.summarize();
        }
        auto& window = shadow.last_window;
        for (const auto& slot : state.seconds) {
            if (slot.second > now - window_seconds && slot.second <= now) {
                window.requests += slot.counts.requests;
                for (std::size_t i = 0; i < window.outcomes.size(); ++i) {
                    window.outcomes[i] += slot.counts.outcomes[i];
                }
                window.agreement_n += slot.counts.agreement_n;
                window.agreements += slot.counts.agreements;
                window.production_errors += slot.counts.production_errors;
                window.shadow_errors += slot.counts.shadow_errors;
                window.status_mismatches += slot.counts.status_mismatches;
            }
        }
        window.production_latency = sketch_percentiles(state.production_window.snapshot(now));
        window.shadow_latency = sketch_percentiles(state.shadow_window.snapshot(now));
        shadow.history = state.history.points(now);
        shadow.regression = state.regression;
        out.shadows.push_back(std::move(shadow));
    }
    out.production_latency = sketch_percentiles(production_latency_);
    out.production_latency_window = sketch_percentiles(production_window_.snapshot(now));
    if (features_) {
        out.features = features_->summarize();
        rotate_feature_windows(now);
        const auto& older = feature_windows_[0].started <= feature_windows_[1].started
                                ? feature_windows_[0]
                                : feature_windows_[1];
        out.features_window = older.monitor->summarize();
        out.features_window_seconds =
            std::min(out.uptime_seconds, static_cast<double>(now - older.started + 1));
    }
    return out;
}

std::vector<stats::feature_count> live_stats::feature_counts() {
    std::lock_guard lock(mutex_);
    std::vector<stats::feature_count> out;
    if (!features_) {
        return out;
    }
    const auto summary = features_->summarize();
    const auto requests = static_cast<double>(summary.requests);
    for (const auto& f : summary.features) {
        out.push_back({f.name, static_cast<std::uint64_t>(std::llround(f.missing * requests)),
                       static_cast<std::uint64_t>(std::llround(f.null * requests))});
    }
    return out;
}

}  // namespace shadowproxy::mirror
