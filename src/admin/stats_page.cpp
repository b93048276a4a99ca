#include "shadowproxy/admin/stats_page.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "shadowproxy/stats/json_forms.hpp"
#include "shadowproxy/stats/llm_json.hpp"
#include "shadowproxy/stats/noise_floor.hpp"
#include "shadowproxy/stats/promotion.hpp"

namespace shadowproxy::admin {

namespace {

using ojson = stats::ordered_json;

using stats::optional_number;

std::optional<double> share_of(std::uint64_t part, std::uint64_t whole) {
    if (whole == 0) {
        return std::nullopt;
    }
    return static_cast<double>(part) / static_cast<double>(whole);
}

// The admin API's sample rate replacing the configured one, or null.
ojson override_json(const metrics::shadow_family* family) {
    const double rate =
        family != nullptr ? family->sample_rate_override.load(std::memory_order_relaxed) : -1.0;
    return rate >= 0 ? ojson(rate) : ojson(nullptr);
}

ojson window_json(const stats::live_window& w) {
    return {{"seconds", stats::live_window_seconds},
            {"requests", w.requests},
            {"outcomes", stats::outcomes_to_json(w.outcomes)},
            {"agreement", stats::agreement_to_json(w.agreements, w.agreement_n)},
            {"latency_ms",
             {{"production", stats::to_json(w.production_latency)},
              {"shadow", stats::to_json(w.shadow_latency)}}},
            {"error_rate",
             {{"production", optional_number(share_of(w.production_errors, w.requests))},
              {"shadow", optional_number(share_of(w.shadow_errors, w.requests))}}},
            {"status_mismatch_rate", optional_number(share_of(w.status_mismatches, w.requests))}};
}

// The dashboard's charts: one entry per 5 s bucket, oldest first, dated in Unix seconds.
ojson history_json(const std::vector<stats::history_point>& points,
                   const stats::live_snapshot& live) {
    ojson t = ojson::array(), requests = ojson::array(), agreement = ojson::array(),
          errors = ojson::array(), server_errors = ojson::array(), mismatches = ojson::array();
    ojson production = {{"p50", ojson::array()}, {"p95", ojson::array()}, {"p99", ojson::array()}};
    ojson shadow = production;
    for (const auto& p : points) {
        t.push_back(live.now_unix_seconds - static_cast<double>(live.now_seconds - p.start));
        requests.push_back(p.requests);
        agreement.push_back(optional_number(share_of(p.agreements, p.agreement_n)));
        errors.push_back(optional_number(share_of(p.shadow_errors, p.requests)));
        server_errors.push_back(p.shadow_server_errors);
        mismatches.push_back(optional_number(share_of(p.status_mismatches, p.requests)));
        production["p50"].push_back(optional_number(p.production_p50));
        production["p95"].push_back(optional_number(p.production_p95));
        production["p99"].push_back(optional_number(p.production_p99));
        shadow["p50"].push_back(optional_number(p.shadow_p50));
        shadow["p95"].push_back(optional_number(p.shadow_p95));
        shadow["p99"].push_back(optional_number(p.shadow_p99));
    }
    return {{"resolution_seconds", stats::history_resolution_seconds},
            {"t", std::move(t)},
            {"requests", std::move(requests)},
            {"agreement", std::move(agreement)},
            {"error_rate", std::move(errors)},
            {"server_errors", std::move(server_errors)},
            {"status_mismatch_rate", std::move(mismatches)},
            {"latency_ms", {{"production", std::move(production)}, {"shadow", std::move(shadow)}}}};
}

ojson features_json(const stats::features_summary& summary) {
    ojson out = stats::summary_to_json(summary);
    out["features"] = stats::features_to_json(summary);
    return out;
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

ojson mirror_json(const metrics::shadow_family* family) {
    ojson dropped = ojson::object();
    for (std::size_t i = 0; i < metrics::drop_reason_names.size(); ++i) {
        dropped[metrics::drop_reason_names[i]] = family ? family->dropped[i].value() : 0;
    }
    if (family == nullptr) {
        return {{"eligible", 0},    {"sent", 0},        {"queue_depth", 0},
                {"queue_bytes", 0}, {"ejected", false}, {"dropped", std::move(dropped)}};
    }
    return {{"eligible", family->eligible.value()},
            {"sent", family->sent.value()},
            {"queue_depth", std::max<std::int64_t>(0, family->queue_depth.value())},
            {"queue_bytes", std::max<std::int64_t>(0, family->queue_bytes.value())},
            {"ejected", family->ejected.value() > 0},
            {"dropped", std::move(dropped)}};
}

// `noise`: the noise reference's live statistics, when it has any.
ojson shadow_json(const stats_inputs& in, const stats::live_shadow* noise_live,
                  const std::string& name, const config::shadow_config* settings,
                  const stats::live_shadow* live, const metrics::shadow_family* family) {
    stats::shadow_summary empty_summary;
    empty_summary.name = name;
    const stats::shadow_summary& s = live ? live->since_start : empty_summary;
    ojson out = {{"name", name},
                 {"active", settings != nullptr},
                 {"sample_rate", settings ? ojson(settings->sample_rate) : ojson(nullptr)},
                 {"sample_rate_override", override_json(family)},
                 {"paused", family != nullptr && family->paused.load(std::memory_order_relaxed)},
                 {"requests", s.requests},
                 {"outcomes", stats::outcomes_to_json(s.outcomes)},
                 {"agreement", stats::agreement_to_json(s.agreements, s.agreement_n)},
                 {"kappa", optional_number(s.kappa)},
                 {"classes_truncated", s.classes_truncated},
                 {"latency_ms", stats::latency_to_json(s)},
                 {"ttfb_ms", stats::ttfb_to_json(s)}};
    stats::add_errors(out, s);
    if (settings != nullptr && settings->noise_reference) {
        out["reference"] = "noise";
    }
    const stats::llm_summary* llm = live && live->llm ? &*live->llm : nullptr;
    if (llm != nullptr) {
        out["llm"] = stats::to_json(*llm);
    }
    std::optional<stats::noise_gap> noise;
    if (noise_live != nullptr && live != nullptr && !live->noise_reference) {
        noise = stats::gap_to_noise(noise_live->since_start,
                                    noise_live->llm ? &*noise_live->llm : nullptr, s, llm);
        if (noise) {
            out["noise"] = stats::to_json(*noise);
        }
    }
    out["last_60s"] = window_json(live ? live->last_window : stats::live_window{});
    out["history"] =
        history_json(live ? live->history : std::vector<stats::history_point>{}, in.live);
    out["mirror"] = mirror_json(family);

    const stats::live_regression r = live ? live->regression : stats::live_regression{};
    const bool regression = in.config.compare.predictions == config::prediction_type::regression;
    stats::regression_measure measure;
    if (regression) {
        out["regression"] = stats::to_json(r);
        measure.n = r.n;
        measure.within = r.within;
        if (r.n > 0) {
            measure.mae = r.abs_sum / static_cast<double>(r.n);
        }
    }
    stats::promotion_sources sources;
    sources.predictions = in.config.compare.predictions;
    sources.labels_possible = false;  // no ground truth in live traffic
    sources.regression = regression ? &measure : nullptr;
    sources.features = in.live.features ? &*in.live.features : nullptr;
    sources.llm = llm;
    if (noise) {
        sources.noise_gap = noise->gap;
    }
    out["promotion"] = stats::to_json(
        stats::evaluate_promotion(in.config.promotion, stats::promotion_inputs_of(s, sources)));
    return out;
}

}  // namespace

std::string render_stats(const stats_inputs& in) {
    const auto families = in.registry.shadows();
    auto live_of = [&](const std::string& name) -> const stats::live_shadow* {
        for (const auto& shadow : in.live.shadows) {
            if (shadow.since_start.name == name) {
                return &shadow;
            }
        }
        return nullptr;
    };

    std::vector<const config::shadow_config*> configured;
    for (const auto& settings : in.config.shadows) {
        configured.push_back(&settings);
    }
    if (in.config.compare.noise_reference) {
        configured.push_back(&*in.config.compare.noise_reference);
    }
    const stats::live_shadow* noise = nullptr;
    for (const auto& live : in.live.shadows) {
        if (live.noise_reference) {
            noise = &live;
        }
    }
    ojson shadows = ojson::array();
    for (const auto* settings : configured) {
        shadows.push_back(shadow_json(in, noise, settings->name, settings, live_of(settings->name),
                                      family_of(families, settings->name)));
    }
    // Shadows removed by a reload keep their statistics since start.
    for (const auto& live : in.live.shadows) {
        const auto& name = live.since_start.name;
        const bool is_configured =
            std::any_of(configured.begin(), configured.end(),
                        [&](const config::shadow_config* s) { return s->name == name; });
        if (!is_configured) {
            shadows.push_back(
                shadow_json(in, noise, name, nullptr, &live, family_of(families, name)));
        }
    }

    ojson out = {
        {"uptime_seconds", in.live.uptime_seconds},
        {"draining", in.draining},
        {"window_seconds", stats::live_window_seconds},
        {"production",
         {{"name", in.config.production.name},
          {"latency_ms",
           {{"since_start", stats::to_json(in.live.production_latency)},
            {"last_60s", stats::to_json(in.live.production_latency_window)}}}}},
        {"log", {{"written", in.log_records_written}, {"dropped", in.log_records_dropped}}},
        {"config_reloads",
         {{"success", in.registry.config_reloads_success.value()},
          {"failure", in.registry.config_reloads_failure.value()}}},
        {"prediction_type", in.config.compare.predictions == config::prediction_type::regression
                                ? "regression"
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
