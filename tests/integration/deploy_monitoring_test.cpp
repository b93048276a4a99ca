// k8s/monitoring stays usable: the PrometheusRule's groups pass `promtool check rules` and the
// rule tests of k8s/monitoring/rules-test.yaml (`promtool test rules`, synthetic series), and
// every query of the Grafana dashboard names only recording rules of that PrometheusRule or
// metrics that a running proxy really exposes on /metrics. Skips with a message without promtool.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/regex_pattern.hpp"
#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/shell.hpp"

namespace {

using shadowproxy::test_support::regex_pattern;

using namespace shadowproxy::testing;

namespace fs = std::filesystem;

const fs::path monitoring_dir = fs::path(SHADOWPROXY_SOURCE_DIR) / "k8s" / "monitoring";

// Metrics the rules may use before the proxy exposes them: another change adds them.
const std::set<std::string> pending_metrics{"shadowproxy_shadow_ejected"};

// PromQL words that are not metric names: functions, aggregations, keywords and the labels the
// dashboard groups by (namespace and pod come from the Prometheus scrape).
const std::set<std::string> promql_words{"sum",
                                         "by",
                                         "without",
                                         "rate",
                                         "increase",
                                         "histogram_quantile",
                                         "max",
                                         "min",
                                         "avg",
                                         "count",
                                         "and",
                                         "or",
                                         "unless",
                                         "on",
                                         "ignoring",
                                         "bool",
                                         "round",
                                         "abs",
                                         "label_values",
                                         "namespace",
                                         "pod",
                                         "shadow",
                                         "upstream",
                                         "le",
                                         "outcome",
                                         "reason",
                                         "result",
                                         "code",
                                         "error",
                                         "feature",
                                         "humanizePercentage"};

class DeployMonitoring : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        scratch_ = fs::path(::testing::TempDir()) / (std::string("monitoring_") + info->name());
        fs::remove_all(scratch_);
        fs::create_directories(scratch_);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(scratch_, ec);
    }

    // The PrometheusRule's spec as a plain Prometheus rules file in the scratch directory.
    fs::path write_rules_file() {
        const auto rule = YAML::LoadFile((monitoring_dir / "prometheusrule.yaml").string());
        const auto path = scratch_ / "shadowproxy.rules.yaml";
        YAML::Emitter out;
        out << rule["spec"];
        std::ofstream(path) << out.c_str() << "\n";
        return path;
    }

    fs::path scratch_;
};

std::vector<YAML::Node> rules() {
    std::vector<YAML::Node> all;
    const auto rule = YAML::LoadFile((monitoring_dir / "prometheusrule.yaml").string());
    for (const auto& group : rule["spec"]["groups"]) {
        for (const auto& r : group["rules"]) {
            all.push_back(r);
        }
    }
    return all;
}

// The metric and rule names a PromQL expression uses: identifiers outside label matchers and
// strings that are not PromQL words. Durations like [5m] and numbers are skipped.
std::set<std::string> names_in(std::string expr) {
    expr = regex_pattern(R"("(?:[^"\\]|\\.)*")").replace_all(expr, " ");
    expr = regex_pattern(R"(\{[^}]*\})").replace_all(expr, " ");
    expr = regex_pattern(R"(\[[^\]]*\])").replace_all(expr, " ");
    std::set<std::string> names;
    const regex_pattern identifier(R"([A-Za-z_:][A-Za-z0-9_:]*)");
    for (const auto& match : identifier.search_all(expr)) {
        const auto& word = match[0];
        if (!promql_words.contains(word)) {
            names.insert(word);
        }
    }
    return names;
}

// Every "expr" of the dashboard's panels and every templating query.
void collect_queries(const nlohmann::json& node, std::vector<std::string>& out) {
    if (node.is_object()) {
        for (const auto& [key, value] : node.items()) {
            if ((key == "expr" || key == "definition") && value.is_string()) {
                out.push_back(value.get<std::string>());
            } else {
                collect_queries(value, out);
            }
        }
    } else if (node.is_array()) {
        for (const auto& item : node) {
            collect_queries(item, out);
        }
    }
}

// The metric names a running proxy exposes: every "# TYPE" family, with _bucket, _sum and
// _count for histograms.
std::set<std::string> exposed_metrics() {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{"production: {name: model-v1, url: \"" + production.url() +
                        "\"}\nshadows:\n  - {name: model-v2, url: \"" + shadow.url() + "\"}\n"};
    EXPECT_TRUE(proxy.ready());
    const auto response = http_get(proxy.admin_port(), "/metrics");
    EXPECT_EQ(response.status, 200U);
    std::set<std::string> names;
    std::istringstream lines(response.body);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::string hash, type_word, name, type;
        if (words >> hash >> type_word >> name >> type && hash == "#" && type_word == "TYPE") {
            names.insert(name);
            if (type == "histogram") {
                for (const char* suffix : {"_bucket", "_sum", "_count"}) {
                    names.insert(name + suffix);
                }
            }
        }
    }
    return names;
}

bool have_promtool(std::string& why) {
    if (have_tool("promtool")) {
        return true;
    }
    why = "promtool is not installed (Debian package prometheus): k8s/monitoring rules unchecked";
    return false;
}

TEST_F(DeployMonitoring, PromtoolChecksTheRules) {
    std::string why;
    if (!have_promtool(why)) {
        GTEST_SKIP() << why;
    }
    const auto path = write_rules_file();
    const auto result = run_shell("promtool check rules " + shell_quote(path.string()));
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("SUCCESS"), std::string::npos) << result.output;
}

TEST_F(DeployMonitoring, PromtoolRuleTestsPass) {
    std::string why;
    if (!have_promtool(why)) {
        GTEST_SKIP() << why;
    }
    write_rules_file();
    fs::copy_file(monitoring_dir / "rules-test.yaml", scratch_ / "rules-test.yaml");
    const auto result = run_shell("cd " + shell_quote(scratch_.string()) +
                                  " && promtool test rules rules-test.yaml");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("SUCCESS"), std::string::npos) << result.output;
}

// The rules cover what the fleet views need: agreement, status mismatches, errors, p95 from the
// histograms, drops; alerts for an ejected shadow, drops over 1% and low agreement.
TEST_F(DeployMonitoring, RulesCoverTheFleetViewsAndAlerts) {
    std::set<std::string> records;
    std::set<std::string> alerts;
    for (const auto& r : rules()) {
        if (r["record"]) {
            records.insert(r["record"].as<std::string>());
        } else {
            alerts.insert(r["alert"].as<std::string>());
        }
    }
    for (const char* name :
         {"shadowproxy:agreement:ratio_rate5m", "shadowproxy:status_mismatch:ratio_rate5m",
          "shadowproxy:shadow_error:ratio_rate5m", "shadowproxy:upstream_5xx:ratio_rate5m",
          "shadowproxy:upstream_latency_seconds:p95_rate5m",
          "shadowproxy:mirror_dropped:ratio_rate5m"}) {
        EXPECT_TRUE(records.contains(name)) << name;
    }
    for (const char* name : {"ShadowproxyShadowEjected", "ShadowproxyMirrorDrops",
                             "ShadowproxyAgreementBelowPromotion"}) {
        EXPECT_TRUE(alerts.contains(name)) << name;
    }
}

TEST_F(DeployMonitoring, EveryQueryNamesAnExposedMetricOrARule) {
    const auto exposed = exposed_metrics();
    ASSERT_TRUE(exposed.contains("shadowproxy_comparisons_total"));

    std::set<std::string> recorded;
    for (const auto& r : rules()) {
        const auto expr = r["expr"].as<std::string>();
        for (const auto& name : names_in(expr)) {
            if (pending_metrics.contains(name) && !exposed.contains(name)) {
                std::cout << "note: rule uses " << name << ", not exposed yet\n";
                continue;
            }
            EXPECT_TRUE(exposed.contains(name) || recorded.contains(name))
                << name << " in rule expression: " << expr;
        }
        if (r["record"]) {
            recorded.insert(r["record"].as<std::string>());
        }
    }

    std::ifstream file(monitoring_dir / "grafana-dashboard.json");
    const auto dashboard = nlohmann::json::parse(file);
    std::vector<std::string> queries;
    collect_queries(dashboard, queries);
    ASSERT_GE(queries.size(), 10U);
    bool per_replica = false;
    for (const auto& query : queries) {
        const auto names = names_in(query);
        EXPECT_FALSE(names.empty()) << "query without a metric: " << query;
        for (const auto& name : names) {
            EXPECT_TRUE(exposed.contains(name) || recorded.contains(name))
                << name << " in dashboard query: " << query;
        }
        per_replica = per_replica || query.find("by (pod") != std::string::npos;
    }
    EXPECT_TRUE(per_replica) << "no per-replica (by pod) query";
    for (const auto& panel : dashboard["panels"]) {
        if (panel["type"] != "row") {
            EXPECT_FALSE(panel["targets"].empty()) << panel["title"];
        }
    }
}

}  // namespace
