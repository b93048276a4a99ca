// Input monitoring end to end (docs/report.md): a baseline built by `shadowproxy baseline` from a
// CSV the test writes, real traffic through the proxy, then `report` on the records it wrote.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int training_rows = 2000;
constexpr int requests = 400;

class DriftReport : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("shadowproxy-drift-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
        std::ofstream csv(dir_ / "train.csv");
        csv << "a,b,c,label\n";
        std::mt19937 engine{7};
        std::normal_distribution<double> normal{0.0, 1.0};
        for (int i = 0; i < training_rows; ++i) {
            csv << normal(engine) << "," << normal(engine) << "," << normal(engine) << "," << i % 2
                << "\n";
        }
    }
    void TearDown() override {
        if (!HasFailure()) {
            fs::remove_all(dir_);
        }
    }

    // Sends `requests` POSTs whose features object omits `a` in every tenth request and, when
    // `shift_b`, moves `b` by two standard deviations; returns report's parsed JSON and exit code.
    std::pair<nlohmann::json, int> run(bool shift_b) {
        const auto built =
            run_binary({"baseline", "--csv", (dir_ / "train.csv").string(), "--label-column",
                        "label", "--out", (dir_ / "baseline.json").string()});
        EXPECT_EQ(built.exit_code, 0) << built.err;

        fake_upstream production;
        fake_upstream shadow;
        proxy_process proxy{"production: {name: model-v1, url: \"" + production.url() + "\"}\n" +
                            "shadows:\n  - {name: model-v2, url: \"" + shadow.url() + "\"}\n" +
                            "features: {pointer: /features, baseline: " +
                            (dir_ / "baseline.json").string() + "}\n" +
                            "promotion: {min_requests: 100, min_agreement: 0.9, "
                            "max_shadow_p95_ms: 1000, max_shadow_error_rate: 0.01, "
                            "max_feature_psi: 0.25}\n"};
        EXPECT_TRUE(proxy.ready());
        std::mt19937 engine{11};
        std::normal_distribution<double> normal{0.0, 1.0};
        http_connection client{proxy.port()};
        for (int i = 0; i < requests; ++i) {
            nlohmann::json features;
            const double a = normal(engine);
            if (i % 10 != 0) {
                features["a"] = a;
            }
            features["b"] = normal(engine) + (shift_b ? 2.0 : 0.0);
            features["c"] = normal(engine);
            const auto response =
                client.send("POST", "/predict", nlohmann::json{{"features", features}}.dump());
            EXPECT_EQ(response.status, 200U) << response.error;
        }
        EXPECT_TRUE(wait_until([&] { return proxy.records().size() == requests; }, 10s,
                               "every request recorded"));
        EXPECT_EQ(proxy.stop(), 0);

        const auto report = run_binary(
            {"report", "--config", proxy.config_path(), "--format", "json", proxy.log_path()});
        auto parsed = nlohmann::json::parse(report.out, nullptr, false);
        EXPECT_FALSE(parsed.is_discarded()) << report.out << report.err;
        return {parsed, report.exit_code};
    }

    static const nlohmann::json& criterion(const nlohmann::json& report, const std::string& name) {
        for (const auto& c : report["shadows"][0]["promotion"]["criteria"]) {
            if (c["name"] == name) {
                return c;
            }
        }
        static const nlohmann::json none;
        ADD_FAILURE() << "no criterion " << name;
        return none;
    }

    fs::path dir_;
};

TEST_F(DriftReport, ShiftedFeatureFailsPromotionAndMissingOneIsCounted) {
    const auto [report, exit_code] = run(true);
    ASSERT_TRUE(report.contains("features")) << report.dump(2);
    const auto& features = report["features"];
    EXPECT_NEAR(features["a"]["missing"].get<double>(), 0.1, 1e-9);
    EXPECT_GT(features["b"]["psi"].get<double>(), 0.25);
    EXPECT_LT(features["a"]["psi"].get<double>(), 0.1);
    EXPECT_LT(features["c"]["psi"].get<double>(), 0.1);
    EXPECT_DOUBLE_EQ(features["b"]["missing"].get<double>(), 0.0);
    EXPECT_EQ(criterion(report, "max_feature_psi")["passed"], false);
    EXPECT_EQ(exit_code, 1);
}

TEST_F(DriftReport, UnshiftedTrafficPasses) {
    const auto [report, exit_code] = run(false);
    ASSERT_TRUE(report.contains("features")) << report.dump(2);
    for (const char* name : {"a", "b", "c"}) {
        EXPECT_LT(report["features"][name]["psi"].get<double>(), 0.1) << name;
    }
    EXPECT_EQ(criterion(report, "max_feature_psi")["passed"], true);
    EXPECT_EQ(exit_code, 0) << report.dump(2);
}

}  // namespace
}  // namespace shadowproxy::testing
