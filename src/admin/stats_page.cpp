#include "shadowproxy/admin/stats_page.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "shadowproxy/stats/promotion.hpp"

namespace shadowproxy::admin {

namespace {

using json = nlohmann::ordered_json;

json optional_number(const std::optional<double>& value) {
    return value ? json(*value) : json(nullptr);
}

std::optional<double> rate(std::uint64_t part, std::uint64_t whole) {
    if (whole == 0) {
        return std::nullopt;
    }
    return static_cast<double>(part) / static_cast<double>(whole);
}

json percentiles_json(const stats::percentiles& p) {
    return {{"p50", optional_number(p.p50)},
            {"p95", optional_number(p.p95)},
            {"p99", optional_number(p.p99)},
            {"n", p.n}};
}

json outcomes_json(const std::array<std::uint64_t, stats::outcome_names.size()>& counts) {
    json out = json::object();
    for (std::size_t i = 0; i < counts.size(); ++i) {
        out[std::string(stats::outcome_names[i])] = counts[i];
    }
    return out;
}

json agreement_json(std::uint64_t agreements, std::uint64_t n) {
    const auto ci = stats::wilson_interval(agreements, n);
    return {{"rate", optional_number(rate(agreements, n))},
            {"ci95", n > 0 ? json::array({ci.low, ci.high}) : json(nullptr)},
            {"n", n}};
}

json window_json(const mirror::live_window& w) {
    return {{"seconds", mirror::live_stats::window_seconds},
            {"requests", w.requests},
            {"outcomes", outcomes_json(w.outcomes)},
            {"agreement", agreement_json(w.agreements, w.agreement_n)},
            {"latency_ms",
             {{"production", percentiles_json(w.production_latency)},
              {"shadow", percentiles_json(w.shadow_latency)}}},
            {"error_rate",
             {{"production", optional_number(rate(w.production_errors, w.requests))},
              {"shadow", optional_number(rate(w.shadow_errors, w.requests))}}}};
}

json features_json(const stats::features_summary& summary) {
    json features = json::object();
    for (const auto& f : summary.features) {
        features[f.name] = {{"missing", f.missing},
                            {"null", f.null},
                            {"non_numeric", f.non_numeric},
                            {"psi", optional_number(f.psi)},
                            {"numeric", f.numeric}};
    }
    return {{"requests", summary.requests},
            {"truncated", summary.truncated},
            {"has_baseline", summary.has_baseline},
            {"max_psi", optional_number(summary.max_psi)},
            {"features", std::move(features)}};
}

json promotion_json(const stats::promotion_result& result) {
    json criteria = json::array();
    for (const auto& c : result.criteria) {
        criteria.push_back({{"name", c.name},
                            {"threshold", optional_number(c.threshold)},
                            {"value", optional_number(c.value)},
                            {"passed", c.passed}});
    }
    return {{"passed", result.passed}, {"criteria", std::move(criteria)}};
}

const metrics::shadow_family* family_of(
    const std::vector<std::pair<std::string, const metrics::shadow_family*>>& families,
    const std::string& name) {
    for (const auto& [family_name, family] : families) {
        if (family_name == name) {
            return family;
        }
    }
    return nullptr;
}

json mirror_json(const metrics::shadow_family* family) {
    if (family == nullptr) {
        return {{"eligible", 0},
                {"sent", 0},
                {"queue_depth", 0},
                {"dropped", {{"queue_full", 0}, {"body_too_large", 0}}}};
    }
    json dropped = json::object();
    for (std::size_t i = 0; i < metrics::drop_reason_names.size(); ++i) {
        dropped[metrics::drop_reason_names[i]] = family->dropped[i].value();
    }
    return {{"eligible", family->eligible.value()},
            {"sent", family->sent.value()},
            {"queue_depth", std::max<std::int64_t>(0, family->queue_depth.value())},
            {"dropped", std::move(dropped)}};
}

json shadow_json(const stats_inputs& in, const std::string& name,
                 const config::shadow_config* settings, const mirror::live_shadow* live,
                 const metrics::shadow_family* family) {
    stats::shadow_summary empty_summary;
    empty_summary.name = name;
    const stats::shadow_summary& s = live ? live->since_start : empty_summary;
    json out = {{"name", name},
                {"active", settings != nullptr},
                {"sample_rate", settings ? json(settings->sample_rate) : json(nullptr)},
                {"requests", s.requests},
                {"outcomes", outcomes_json(s.outcomes)},
                {"agreement", agreement_json(s.agreements, s.agreement_n)},
                {"kappa", optional_number(s.kappa)},
                {"classes_truncated", s.classes_truncated},
                {"latency_ms",
                 {{"production", percentiles_json(s.production_latency)},
                  {"shadow", percentiles_json(s.shadow_latency)},
                  {"delta", percentiles_json(s.latency_delta)}}},
                {"ttfb_ms",
                 {{"production", percentiles_json(s.production_ttfb)},
                  {"shadow", percentiles_json(s.shadow_ttfb)}}},
                {"error_rate",
                 {{"production", optional_number(s.production_error_rate)},
                  {"shadow", optional_number(s.shadow_error_rate)}}},
                {"last_60s", window_json(live ? live->last_window : mirror::live_window{})},
                {"mirror", mirror_json(family)}};

    stats::promotion_inputs measured;
    measured.requests = s.requests;
    measured.agreement = s.agreement_rate;
    measured.shadow_p95_ms = s.shadow_latency.p95;
    measured.shadow_error_rate = s.shadow_error_rate;
    if (in.live.features && in.live.features->has_baseline) {
        measured.has_baseline = true;
        measured.max_feature_psi = in.live.features->max_psi;
    }
    out["promotion"] = promotion_json(stats::evaluate_promotion(in.config.promotion, measured));
    return out;
}

}  // namespace

std::string render_stats(const stats_inputs& in) {
    const auto families = in.registry.shadows();
    auto live_of = [&](const std::string& name) -> const mirror::live_shadow* {
        for (const auto& shadow : in.live.shadows) {
            if (shadow.since_start.name == name) {
                return &shadow;
            }
        }
        return nullptr;
    };

    json shadows = json::array();
    for (const auto& settings : in.config.shadows) {
        shadows.push_back(shadow_json(in, settings.name, &settings, live_of(settings.name),
                                      family_of(families, settings.name)));
    }
    // Shadows removed by a reload keep their statistics since start.
    for (const auto& live : in.live.shadows) {
        const auto& name = live.since_start.name;
        const bool configured =
            std::any_of(in.config.shadows.begin(), in.config.shadows.end(),
                        [&](const config::shadow_config& s) { return s.name == name; });
        if (!configured) {
            shadows.push_back(shadow_json(in, name, nullptr, &live, family_of(families, name)));
        }
    }

    json out = {{"uptime_seconds", in.live.uptime_seconds},
                {"draining", in.draining},
                {"window_seconds", mirror::live_stats::window_seconds},
                {"production",
                 {{"name", in.config.production.name},
                  {"latency_ms",
                   {{"since_start", percentiles_json(in.live.production_latency)},
                    {"last_60s", percentiles_json(in.live.production_latency_window)}}}}},
                {"log", {{"written", in.log_records_written}, {"dropped", in.log_records_dropped}}},
                {"config_reloads",
                 {{"success", in.registry.config_reloads_success.value()},
                  {"failure", in.registry.config_reloads_failure.value()}}},
                {"promotion_criteria",
                 {{"min_requests", in.config.promotion.min_requests},
                  {"min_agreement", in.config.promotion.min_agreement},
                  {"max_shadow_p95_ms", in.config.promotion.max_shadow_p95_ms},
                  {"max_shadow_error_rate", in.config.promotion.max_shadow_error_rate},
                  {"max_feature_psi", in.config.promotion.max_feature_psi}}},
                {"shadows", std::move(shadows)}};
    if (in.live.features) {
        out["features"] = {{"since_start", features_json(*in.live.features)},
                           {"window", features_json(*in.live.features_window)},
                           {"window_seconds", in.live.features_window_seconds}};
    } else {
        out["features"] = nullptr;
    }
    return out.dump() + "\n";
}

}  // namespace shadowproxy::admin
