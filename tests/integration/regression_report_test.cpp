// Regression models end to end: the example model servers in their float mode (`--output
// score`, the churn probability) behind the proxy with compare.prediction_type regression; the
// report's MAE, RMSE, bias, Pearson, Spearman and within_tolerance equal what this test computes
// from the JSONL records on its own.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "support/http_client.hpp"
#include "support/model_server_process.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t requests = 300;
constexpr double tolerance = 0.05;

double mean(const std::vector<double>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double correlation(const std::vector<double>& x, const std::vector<double>& y) {
    const double mx = mean(x);
    const double my = mean(y);
    double sxy = 0, sxx = 0, syy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / std::sqrt(sxx * syy);
}

// Ranks by counting: rank = 1 + #smaller + (#equal - 1) / 2, quadratic but independent of the
// sort-based code under test.
std::vector<double> ranks(const std::vector<double>& v) {
    std::vector<double> out;
    for (const double a : v) {
        double smaller = 0, equal = 0;
        for (const double b : v) {
            smaller += b < a ? 1 : 0;
            equal += b == a ? 1 : 0;
        }
        out.push_back(1 + smaller + (equal - 1) / 2);
    }
    return out;
}

TEST(RegressionReport, ExampleModelsInScoreModeAgreeWithARecomputation) {
    const std::string examples = SHADOWPROXY_SOURCE_DIR "/examples";
    model_server_process v1{examples + "/models/model-v1.json", {"--output", "score"}};
    model_server_process v2{examples + "/models/model-v2.json", {"--output", "score"}};
    ASSERT_TRUE(v1.ready() && v2.ready());
    proxy_process proxy{"production: {name: model-v1, url: \"" + v1.url() + "\"}\n" +
                        "shadows:\n  - {name: model-v2, url: \"" + v2.url() + "\"}\n" +
                        "compare: {prediction_type: regression, float_abs_tolerance: 0.05, "
                        "ignore_pointers: [/model_version]}\n" +
                        "promotion: {min_requests: 100, min_within_tolerance: 0.5, "
                        "max_mae: 0.5, max_shadow_p95_ms: 1000, max_shadow_error_rate: 0.01}\n"};
    ASSERT_TRUE(proxy.ready());

    std::ifstream data(examples + "/data/requests.jsonl");
    http_connection client{proxy.port()};
    std::string line;
    for (std::size_t i = 0; i < requests && std::getline(data, line); ++i) {
        const auto request = nlohmann::json::parse(line);
        const auto response = client.send("POST", "/predict",
                                          nlohmann::json{{"features", request["features"]}}.dump());
        ASSERT_EQ(response.status, 200U) << response.body;
    }
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == requests; }, 20s,
                           "every request recorded"));
    ASSERT_EQ(proxy.stop(), 0);

    std::vector<double> production, shadow;
    std::size_t within = 0;
    for (const auto& record : proxy.records()) {
        const double p = record["production"]["prediction"].get<double>();
        const double s = record["shadow"]["prediction"].get<double>();
        production.push_back(p);
        shadow.push_back(s);
        within += std::fabs(s - p) <= tolerance ? 1 : 0;
    }
    ASSERT_EQ(production.size(), requests);
    double abs_sum = 0, squared_sum = 0, signed_sum = 0;
    for (std::size_t i = 0; i < requests; ++i) {
        const double r = shadow[i] - production[i];
        abs_sum += std::fabs(r);
        squared_sum += r * r;
        signed_sum += r;
    }
    const auto n = static_cast<double>(requests);

    const auto run = run_binary(
        {"report", "--config", proxy.config_path(), "--format", "json", proxy.log_path()});
    const auto report = nlohmann::json::parse(run.out, nullptr, false);
    ASSERT_FALSE(report.is_discarded()) << run.out << run.err;
    EXPECT_EQ(report["prediction_type"], "regression");
    const auto& s = report["shadows"][0];
    ASSERT_TRUE(s.contains("regression")) << s.dump(2);
    EXPECT_FALSE(s.contains("confusion"));
    const auto& r = s["regression"];
    EXPECT_EQ(r["n"], requests);
    EXPECT_NEAR(r["mae"].get<double>(), abs_sum / n, 1e-9);
    EXPECT_NEAR(r["rmse"].get<double>(), std::sqrt(squared_sum / n), 1e-9);
    EXPECT_NEAR(r["bias"].get<double>(), signed_sum / n, 1e-9);
    EXPECT_NEAR(r["pearson"].get<double>(), correlation(production, shadow), 1e-9);
    EXPECT_NEAR(r["spearman"].get<double>(), correlation(ranks(production), ranks(shadow)), 1e-9);
    EXPECT_NEAR(r["within_tolerance"].get<double>(), static_cast<double>(within) / n, 1e-9);
    EXPECT_GT(r["mae"].get<double>(), 0.0);  // the two models really differ

    const auto text = run_binary({"report", "--config", proxy.config_path(), proxy.log_path()});
    EXPECT_NE(text.out.find("Within tolerance"), std::string::npos) << text.out;
    EXPECT_EQ(text.out.find("Confusion"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace shadowproxy::testing
