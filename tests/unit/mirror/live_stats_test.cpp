#include "shadowproxy/mirror/live_stats.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "shadowproxy/admin/prometheus.hpp"
#include "shadowproxy/admin/stats_page.hpp"

namespace shadowproxy::mirror {
namespace {

using nlohmann::json;

struct fixture_record {
    compare::side_response production;
    compare::side_response shadow;
    compare::comparison result;
    json features;

    live_record view(bool first_copy, std::string_view shadow_name) const {
        return {first_copy, shadow_name, &production,
                &shadow,    &result,     features.is_discarded() ? nullptr : &features,
                false};
    }
};

fixture_record make(int production_prediction, int shadow_prediction, double shadow_ms,
                    bool shadow_failed = false) {
    fixture_record r;
    r.production.status = 200;
    r.production.latency_ms = 1.0;
    r.shadow.status = shadow_failed ? 0 : 200;
    if (shadow_failed) {
        r.shadow.error = compare::exchange_error::timeout;
    }
    r.shadow.latency_ms = shadow_ms;
    r.result.status_match = !shadow_failed;  // as the comparator sets it: 200 == 200
    r.result.production_prediction = production_prediction;
    if (!shadow_failed) {
        r.result.shadow_prediction = shadow_prediction;
    }
    r.result.result = shadow_failed ? compare::outcome::shadow_error
                      : production_prediction == shadow_prediction
                          ? compare::outcome::match
                          : compare::outcome::prediction_mismatch;
    r.features = json(json::value_t::discarded);
    return r;
}

TEST(LiveStats, SummarisesLikeTheAccumulatorAndCountsTheWindow) {
    live_stats live;
    const auto agree = make(1, 1, 2.0);
    const auto disagree = make(1, 0, 4.0);
    const auto failed = make(0, 0, 0.0, true);
    live.record(agree.view(true, "v2"));
    live.record(agree.view(true, "v2"));
    live.record(disagree.view(true, "v2"));
    live.record(failed.view(true, "v2"));

    const auto snapshot = live.snapshot();
    ASSERT_EQ(snapshot.shadows.size(), 1U);
    const auto& s = snapshot.shadows[0].since_start;
    EXPECT_EQ(s.requests, 4U);
    EXPECT_EQ(s.agreement_n, 3U);
    EXPECT_EQ(s.agreements, 2U);
    EXPECT_EQ(s.outcomes[static_cast<std::size_t>(stats::outcome::shadow_error)], 1U);
    ASSERT_TRUE(s.shadow_error_rate);
    EXPECT_DOUBLE_EQ(*s.shadow_error_rate, 0.25);
    EXPECT_EQ(s.shadow_latency.n, 3U);
    const auto& w = snapshot.shadows[0].last_window;
    EXPECT_EQ(w.requests, 4U);
    EXPECT_EQ(w.agreement_n, 3U);
    EXPECT_EQ(w.agreements, 2U);
    EXPECT_EQ(w.shadow_errors, 1U);
    EXPECT_EQ(w.shadow_latency.n, 3U);
    EXPECT_EQ(snapshot.production_latency.n, 4U);
    EXPECT_FALSE(snapshot.features);
}

TEST(LiveStats, CountsARequestMirroredToTwoShadowsOnceForProductionAndFeatures) {
    live_stats live;
    live.configure_features(config::features_config{"/f", {"age", "income"}, "", ""}, nullptr);
    auto r = make(1, 1, 1.0);
    r.features = json::array({30, nullptr});
    live.record(r.view(true, "v2"));
    live.record(r.view(false, "v3"));
    r.features = json::array({31});
    live.record(r.view(true, "v2"));

    const auto snapshot = live.snapshot();
    EXPECT_EQ(snapshot.shadows.size(), 2U);
    EXPECT_EQ(snapshot.production_latency.n, 2U);
    ASSERT_TRUE(snapshot.features);
    EXPECT_EQ(snapshot.features->requests, 2U);
    EXPECT_EQ(snapshot.features_window->requests, 2U);
    const auto counts = live.feature_counts();
    ASSERT_EQ(counts.size(), 2U);
    EXPECT_EQ(counts[0].name, "age");
    EXPECT_EQ(counts[0].missing, 0U);
    EXPECT_EQ(counts[1].name, "income");
    EXPECT_EQ(counts[1].null, 1U);
    EXPECT_EQ(counts[1].missing, 1U);
}

TEST(LiveStats, StatsPageListsConfiguredShadowsWithMirrorCountersAndVerdict) {
    live_stats live;
    const auto agree = make(1, 1, 2.0);
    for (int i = 0; i < 10; ++i) {
        live.record(agree.view(true, "v2"));
    }
    config::config settings;
    settings.production.name = "v1";
    settings.shadows.push_back({});
    settings.shadows.back().name = "v2";
    settings.shadows.push_back({});
    settings.shadows.back().name = "idle";
    settings.promotion.min_requests = 5;
    metrics::registry registry;
    registry.shadow("v2").eligible.inc(12);
    registry.shadow("v2").sent.inc(10);
    registry.shadow("v2").count_drop(metrics::drop_reason::queue_full);

    const auto snapshot = live.snapshot();
    const auto stats =
        json::parse(admin::render_stats({settings, registry, snapshot, false, 10, 0}));
    ASSERT_EQ(stats["shadows"].size(), 2U);
    const auto& v2 = stats["shadows"][0];
    EXPECT_EQ(v2["name"], "v2");
    EXPECT_EQ(v2["requests"], 10);
    EXPECT_EQ(v2["agreement"]["rate"], 1.0);
    EXPECT_TRUE(v2["kappa"].is_null());  // one class on both sides: kappa undefined
    EXPECT_EQ(v2["mirror"]["eligible"], 12);
    EXPECT_EQ(v2["mirror"]["dropped"]["queue_full"], 1);
    EXPECT_TRUE(v2["promotion"]["passed"]);
    EXPECT_EQ(v2["promotion"]["criteria"][0]["value"], 10);
    const auto& idle = stats["shadows"][1];
    EXPECT_EQ(idle["requests"], 0);
    EXPECT_FALSE(idle["promotion"]["passed"]);
    EXPECT_TRUE(stats["features"].is_null());
}

TEST(LiveStats, PrometheusHasFeatureCounters) {
    metrics::registry registry;
    const auto text = admin::render_prometheus(registry, {0, 0, {{"age", 3, 1}}});
    EXPECT_NE(text.find("# TYPE shadowproxy_feature_missing_total counter\n"
                        "shadowproxy_feature_missing_total{feature=\"age\"} 3\n"),
              std::string::npos);
    EXPECT_NE(text.find("shadowproxy_feature_null_total{feature=\"age\"} 1\n"), std::string::npos);
}

TEST(LiveStats, ServerErrorsStatusMismatchesAndHistory) {
    live_stats live;
    auto ok = make(1, 1, 2.0);
    ok.result.status_match = true;
    ok.result.prediction_match = true;
    auto crashed = make(1, 0, 3.0);
    crashed.shadow.status = 500;
    crashed.result.status_match = false;
    crashed.result.shadow_prediction = nullptr;
    crashed.result.result = compare::outcome::status_mismatch;
    for (int i = 0; i < 3; ++i) {
        live.record(ok.view(true, "v2"));
    }
    live.record(crashed.view(true, "v2"));

    const auto snapshot = live.snapshot();
    const auto& s = snapshot.shadows[0].since_start;
    EXPECT_DOUBLE_EQ(*s.shadow_error_rate, 0.25);
    EXPECT_DOUBLE_EQ(*s.shadow_transport_error_rate, 0.0);
    EXPECT_EQ(s.shadow_server_errors, 1U);
    EXPECT_DOUBLE_EQ(*s.status_mismatch_rate, 0.25);
    EXPECT_EQ(snapshot.shadows[0].last_window.status_mismatches, 1U);
    EXPECT_EQ(snapshot.shadows[0].last_window.shadow_errors, 1U);

    const auto& history = snapshot.shadows[0].history;
    ASSERT_FALSE(history.empty());
    std::uint64_t requests = 0, mismatches = 0, agreements = 0;
    for (const auto& p : history) {
        requests += p.requests;
        mismatches += p.status_mismatches;
        agreements += p.agreements;
    }
    EXPECT_EQ(requests, 4U);
    EXPECT_EQ(mismatches, 1U);
    EXPECT_EQ(agreements, 3U);
}

TEST(LiveHistory, FifteenMinutesInFiveSecondBuckets) {
    live_history history;
    history_sample sample;
    sample.agreement_known = true;
    sample.agreed = true;
    sample.shadow_ms = 0.25;
    for (std::int64_t t = 0; t < 2000; t += 5) {
        history.record(sample, t);
    }
    history.record(sample, 1999);
    const auto points = history.points(2000);
    ASSERT_EQ(points.size(), history_buckets);
    EXPECT_EQ(points.back().start, 2000);
    EXPECT_EQ(points.back().requests, 0U);  // nothing recorded at 2000 yet
    EXPECT_EQ(points[points.size() - 2].requests, 2U);
    EXPECT_EQ(points.front().start, 2000 - 5 * static_cast<std::int64_t>(history_buckets - 1));
    EXPECT_NEAR(*points[points.size() - 2].shadow_p50, 0.25, 0.25 * 0.004);
    // Young history: from the first bucket seen, empty buckets included.
    live_history young;
    young.record(sample, 100);
    const auto few = young.points(117);
    ASSERT_EQ(few.size(), 4U);
    EXPECT_EQ(few[0].requests, 1U);
    EXPECT_EQ(few[3].requests, 0U);
}

}  // namespace
}  // namespace shadowproxy::mirror
