// /stats (admin::render_stats) and `report --format json` (report::write_json) serialise the
// same summary through the same stats::to_json functions: the shared keys come out identical.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "shadowproxy/admin/stats_page.hpp"
#include "shadowproxy/report/report.hpp"
#include "shadowproxy/stats/promotion.hpp"

namespace shadowproxy::admin {
namespace {

using json = nlohmann::json;

stats::shadow_summary summary_of(std::size_t records) {
    stats::shadow_accumulator accumulator("m2", stats::latency_mode::exact);
    for (std::size_t i = 0; i < records; ++i) {
        stats::observation o;
        o.result = i % 4 == 0 ? stats::outcome::prediction_mismatch : stats::outcome::match;
        o.production_prediction = "1";
        o.shadow_prediction = i % 4 == 0 ? "0" : "1";
        o.production_latency_ms = 1.0 + static_cast<double>(i);
        o.shadow_latency_ms = 2.0 + static_cast<double>(i);
        accumulator.add(o);
    }
    return accumulator.summarize();
}

stats::features_summary features() {
    stats::features_summary f;
    f.requests = 10;
    f.truncated = 1;
    f.has_baseline = true;
    f.max_psi = 0.2;
    f.features.push_back({"age", 0.1, 0.0, 0.0, 0.2, 9});
    return f;
}

// The document of each side for one summary: /stats's shadow entry and report's.
std::pair<json, json> both(const stats::shadow_summary& summary, json* stats_doc = nullptr,
                           json* report_doc = nullptr) {
    config::config settings;
    config::shadow_config shadow;
    shadow.name = summary.name;
    settings.shadows.push_back(shadow);
    metrics::registry registry;
    stats::live_snapshot live;
    stats::live_shadow live_shadow;
    live_shadow.since_start = summary;
    live.shadows.push_back(live_shadow);
    live.features = features();
    live.features_window = features();
    const json from_stats = json::parse(render_stats({settings, registry, live}));

    report::report_result result;
    result.features = features();
    report::shadow_report shadow_report;
    shadow_report.summary = summary;
    stats::promotion_sources sources;
    sources.labels_possible = false;  // as /stats: no labels
    sources.features = &*result.features;
    shadow_report.promotion =
        stats::evaluate_promotion(settings.promotion, stats::promotion_inputs_of(summary, sources));
    result.shadows.push_back(shadow_report);
    std::ostringstream out;
    report::write_json(result, out);
    const json from_report = json::parse(out.str());
    if (stats_doc != nullptr) {
        *stats_doc = from_stats;
    }
    if (report_doc != nullptr) {
        *report_doc = from_report;
    }
    return {from_stats["shadows"][0], from_report["shadows"][0]};
}

void expect_same_keys(const json& a, const json& b) {
    for (const char* key :
         {"name", "requests", "outcomes", "agreement", "kappa", "classes_truncated", "latency_ms",
          "error_rate", "transport_error_rate", "server_errors", "status_mismatch_rate",
          "status_mismatches", "promotion"}) {
        EXPECT_EQ(a[key].dump(), b[key].dump()) << key;
    }
}

TEST(StatsJsonForm, SameSummarySerialisesIdenticallyInStatsAndReport) {
    json stats_doc;
    json report_doc;
    const auto [a, b] = both(summary_of(40), &stats_doc, &report_doc);
    expect_same_keys(a, b);
    EXPECT_TRUE(a["agreement"]["ci95"].is_array());
    EXPECT_EQ(a["agreement"]["n"], 40);

    json summary = stats_doc["features"]["since_start"];
    EXPECT_EQ(summary["features"].dump(), report_doc["features"].dump());
    summary.erase("features");
    EXPECT_EQ(summary.dump(), report_doc["features_summary"].dump());
    EXPECT_TRUE(report_doc["features_summary"]["has_baseline"].get<bool>());
}

TEST(StatsJsonForm, NothingMeasuredGivesNullRateAndInterval) {
    const auto [a, b] = both(summary_of(0));
    expect_same_keys(a, b);
    EXPECT_TRUE(a["agreement"]["rate"].is_null());
    EXPECT_TRUE(a["agreement"]["ci95"].is_null());
    EXPECT_EQ(a["agreement"]["n"], 0);
}

}  // namespace
}  // namespace shadowproxy::admin
