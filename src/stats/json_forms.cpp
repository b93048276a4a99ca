#include "shadowproxy/stats/json_forms.hpp"

#include <string>

namespace shadowproxy::stats {

ordered_json optional_number(const std::optional<double>& value) {
    return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json to_json(const percentiles& p) {
    return {{"p50", optional_number(p.p50)},
            {"p95", optional_number(p.p95)},
            {"p99", optional_number(p.p99)},
            {"n", p.n}};
}

ordered_json outcomes_to_json(const std::array<std::uint64_t, outcome_names.size()>& counts) {
    ordered_json out = ordered_json::object();
    for (std::size_t i = 0; i < counts.size(); ++i) {
        out[std::string(outcome_names[i])] = counts[i];
    }
    return out;
}

ordered_json agreement_to_json(std::uint64_t agreements, std::uint64_t n) {
    if (n == 0) {
        return {{"rate", nullptr}, {"ci95", nullptr}, {"n", n}};
    }
    const auto ci = wilson_interval(agreements, n);
    return {{"rate", static_cast<double>(agreements) / static_cast<double>(n)},
            {"ci95", ordered_json::array({ci.low, ci.high})},
            {"n", n}};
}

ordered_json latency_to_json(const shadow_summary& summary) {
    return {{"production", to_json(summary.production_latency)},
            {"shadow", to_json(summary.shadow_latency)},
            {"delta", to_json(summary.latency_delta)}};
}

ordered_json error_rate_to_json(const shadow_summary& summary) {
    return {{"production", optional_number(summary.production_error_rate)},
            {"shadow", optional_number(summary.shadow_error_rate)}};
}

ordered_json to_json(const promotion_result& result) {
    ordered_json criteria = ordered_json::array();
    for (const auto& c : result.criteria) {
        criteria.push_back({{"name", c.name},
                            {"threshold", optional_number(c.threshold)},
                            {"value", optional_number(c.value)},
                            {"passed", c.passed}});
    }
    return {{"passed", result.passed}, {"criteria", std::move(criteria)}};
}

ordered_json to_json(const feature_report& feature) {
    return {{"missing", feature.missing},
            {"null", feature.null},
            {"non_numeric", feature.non_numeric},
            {"psi", optional_number(feature.psi)},
            {"numeric", feature.numeric}};
}

ordered_json summary_to_json(const features_summary& summary) {
    return {{"requests", summary.requests},
            {"truncated", summary.truncated},
            {"has_baseline", summary.has_baseline},
            {"max_psi", optional_number(summary.max_psi)}};
}

ordered_json features_to_json(const features_summary& summary) {
    ordered_json out = ordered_json::object();
    for (const auto& f : summary.features) {
        out[f.name] = to_json(f);
    }
    return out;
}

}  // namespace shadowproxy::stats
