#include "shadowproxy/stats/feature_monitor.hpp"

#include <gtest/gtest.h>

namespace shadowproxy::stats {
namespace {

const feature_report& find(const features_summary& s, const std::string& name) {
    for (const auto& f : s.features) {
        if (f.name == name) {
            return f;
        }
    }
    throw std::runtime_error("no feature " + name);
}

TEST(FeatureMonitor, CompletenessAndPsi) {
    auto base = std::make_shared<baseline>();
    base->features.push_back({"x", {0, 1, 2}, {0.5, 0.5}});
    base->features.push_back({"never", {0, 1}, {1.0}});
    feature_monitor monitor({"x"}, base);
    monitor.begin_request();
    monitor.observe_position(0, feature_kind::number, 0.5);
    monitor.observe_position(1, feature_kind::non_numeric);
    monitor.begin_request();
    monitor.observe_position(0, feature_kind::number, 1.5);
    monitor.observe_position(1, feature_kind::null);
    monitor.begin_request(true);
    monitor.observe("x", feature_kind::null);
    monitor.begin_request();  // "features": null

    const auto s = monitor.summarize();
    EXPECT_EQ(s.requests, 4U);
    EXPECT_EQ(s.truncated, 1U);
    const auto& x = find(s, "x");
    EXPECT_DOUBLE_EQ(x.missing, 0.25);
    EXPECT_DOUBLE_EQ(x.null, 0.25);
    EXPECT_DOUBLE_EQ(x.non_numeric, 0.0);
    EXPECT_NEAR(*x.psi, 0.0, 1e-12);
    const auto& second = find(s, "1");
    EXPECT_DOUBLE_EQ(second.missing, 0.5);
    EXPECT_DOUBLE_EQ(second.non_numeric, 0.25);
    EXPECT_FALSE(second.psi.has_value());
    const auto& never = find(s, "never");
    EXPECT_DOUBLE_EQ(never.missing, 1.0);
    EXPECT_FALSE(never.psi.has_value());
    EXPECT_NEAR(*s.max_psi, 0.0, 1e-12);
}

TEST(FeatureMonitor, BoundsTheNumberOfNames) {
    feature_monitor monitor({}, nullptr, 2);
    monitor.begin_request();
    monitor.observe("a", feature_kind::number, 1);
    monitor.observe("b", feature_kind::number, 1);
    monitor.observe("c", feature_kind::number, 1);
    EXPECT_EQ(monitor.summarize().features.size(), 2U);
    EXPECT_FALSE(monitor.summarize().max_psi.has_value());
}

}  // namespace
}  // namespace shadowproxy::stats
