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
              {"shadow", optional_number(rate(w.shadow_errors, w.requests))}}},
            {"status_mismatch_rate", optional_number(rate(w.status_mismatches, w.requests))}};
}

// The dashboard's charts: one entry per 5 s bucket, oldest first, dated in Unix seconds.
json history_json(const std::vector<mirror::history_point>& points,
                  const mirror::live_snapshot& live) {
    json t = json::array(), requests = json::array(), agreement = json::array(),
         errors = json::array(), server_errors = json::array(), mismatches = json::array();
    json production = {{"p50", json::array()}, {"p95", json::array()}, {"p99", json::array()}};
    json shadow = production;
    for (const auto& p : points) {
        t.push_back(live.now_unix_seconds - static_cast<double>(live.now_seconds - p.start));
        requests.push_back(p.requests);
        agreement.push_back(optional_number(rate(p.agreements, p.agreement_n)));
        errors.push_back(optional_number(rate(p.shadow_errors, p.requests)));
        server_errors.push_back(p.shadow_server_errors);
        mismatches.push_back(optional_number(rate(p.status_mismatches, p.requests)));
        production["p50"].push_back(optional_number(p.production_p50));
        production["p95"].push_back(optional_number(p.production_p95));
        production["p99"].push_back(optional_number(p.production_p99));
        shadow["p50"].push_back(optional_number(p.shadow_p50));
        shadow["p95"].push_back(optional_number(p.shadow_p95));
        shadow["p99"].push_back(optional_number(p.shadow_p99));
    }
    return {{"resolution_seconds", mirror::history_resolution_seconds},
            {"t", std::move(t)},
            {"requests", std::move(requests)},
            {"agreement", std::move(agreement)},
            {"error_rate", std::move(errors)},
            {"server_errors", std::move(server_errors)},
            {"status_mismatch_rate", std::move(mismatches)},
            {"latency_ms", {{"production", std::move(production)}, {"shadow", std::move(shadow)}}}};
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
        json line = {{"name", c.name},
                     {"threshold", optional_number(c.threshold)},
                     {"value", optional_number(c.value)},
                     {"passed", c.evaluated ? json(c.passed) : json(nullptr)}};
        if (!c.evaluated) {
            line["reason"] = c.reason;
        }
        if (c.lower_bound) {
            line["measure"] = "ci95_low";
        }
        criteria.push_back(std::move(line));
    }
    return {{"passed", result.passed},
            {"unevaluated", result.unevaluated},
            {"criteria", std::move(criteria)}};
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
    json out = {
        {"name", name},
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
        {"error_rate",
         {{"production", optional_number(s.production_error_rate)},
          {"shadow", optional_number(s.shadow_error_rate)}}},
        {"transport_error_rate",
         {{"production", optional_number(s.production_transport_error_rate)},
          {"shadow", optional_number(s.shadow_transport_error_rate)}}},
        {"server_errors",
         {{"production", s.production_server_errors}, {"shadow", s.shadow_server_errors}}},
        {"status_mismatch_rate", optional_number(s.status_mismatch_rate)},
        {"status_mismatches", s.status_mismatches},
        {"last_60s", window_json(live ? live->last_window : mirror::live_window{})},
        {"history",
         history_json(live ? live->history : std::vector<mirror::history_point>{}, in.live)},
        {"mirror", mirror_json(family)}};

    const mirror::live_regression r = live ? live->regression : mirror::live_regression{};
    const bool regression = in.config.compare.predictions == config::prediction_type::regression;
    if (regression) {
        const auto ci = stats::wilson_interval(r.within, r.n);
        out["regression"] = {
            {"n", r.n},
            {"mae",
             optional_number(r.n > 0 ? std::optional<double>(r.abs_sum / static_cast<double>(r.n))
                                     : std::nullopt)},
            {"within_tolerance", optional_number(rate(r.within, r.n))},
            {"within_tolerance_ci95", r.n > 0 ? json::array({ci.low, ci.high}) : json(nullptr)}};
    }

    stats::promotion_inputs measured;
    measured.predictions = in.config.compare.predictions;
    measured.labels_possible = false;  // no ground truth in live traffic
    measured.requests = s.requests;
    measured.agreement = s.agreement_rate;
    if (s.agreement_n > 0) {
        measured.agreement_low = s.agreement_ci95.low;
    }
    if (r.n > 0) {
        measured.within_tolerance = rate(r.within, r.n);
        measured.within_tolerance_low = stats::wilson_interval(r.within, r.n).low;
        measured.mae = r.abs_sum / static_cast<double>(r.n);
    }
    measured.shadow_p95_ms = s.shadow_latency.p95;
    measured.shadow_error_rate = s.shadow_error_rate;
    measured.status_mismatch_rate = s.status_mismatch_rate;
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
                {"prediction_type",
                 in.config.compare.predictions == config::prediction_type::regression ? "regression"
                                                                                      : "class"},
                {"promotion_criteria",
                 {{"min_requests", in.config.promotion.min_requests},
                  {"min_agreement", in.config.promotion.min_agreement},
                  {"min_within_tolerance", in.config.promotion.min_within_tolerance},
                  {"max_mae", optional_number(in.config.promotion.max_mae)},
                  {"max_shadow_p95_ms", in.config.promotion.max_shadow_p95_ms},
                  {"max_shadow_error_rate", in.config.promotion.max_shadow_error_rate},
                  {"max_status_mismatch_rate", in.config.promotion.max_status_mismatch_rate},
                  {"max_feature_psi", in.config.promotion.max_feature_psi},
                  {"use_lower_bound", in.config.promotion.use_lower_bound}}},
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
