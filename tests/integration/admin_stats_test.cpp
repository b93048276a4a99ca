// /stats (docs/operations.md): the live numbers equal what the test computes from the JSONL log of
// the same run, and what `shadowproxy report` computes from it (percentiles: within the sketch's
// error).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/percentile.hpp"
#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

int x_of(const received_request& request) {
    const auto body = json::parse(request.body, nullptr, false);
    return body.is_object() && body.contains("x") ? body["x"].get<int>() : -1;
}

reply prediction(int value) {
    reply r;
    r.body = R"({"prediction":)" + std::to_string(value) + R"(,"model_version":"v"})";
    return r;
}

using test_support::percentile;

struct expected {
    std::map<std::string, std::uint64_t> outcomes;
    std::uint64_t agreement_n = 0;
    std::uint64_t agreements = 0;
    double kappa = 0;
    double shadow_error_rate = 0;
    std::vector<double> production_latency, shadow_latency;
};

expected from_log(const std::vector<json>& records) {
    expected e;
    std::map<std::pair<std::string, std::string>, double> confusion;
    std::map<std::string, double> rows, cols;
    std::uint64_t shadow_errors = 0;
    for (const auto& r : records) {
        ++e.outcomes[r["outcome"].get<std::string>()];
        const auto& p = r["production"]["prediction"];
        const auto& s = r["shadow"]["prediction"];
        if (!p.is_null() && !s.is_null()) {
            ++e.agreement_n;
            e.agreements += p == s ? 1 : 0;
            confusion[{p.dump(), s.dump()}] += 1;
            rows[p.dump()] += 1;
            cols[s.dump()] += 1;
        }
        // An error is a transport error or an HTTP status >= 500.
        const auto& status = r["shadow"]["status"];
        if (!r["shadow"]["error"].is_null() || (status.is_number() && status.get<int>() >= 500)) {
            ++shadow_errors;
        }
        if (r["shadow"]["error"].is_null()) {
            e.shadow_latency.push_back(r["shadow"]["latency_ms"].get<double>());
        }
        if (r["production"]["error"].is_null()) {
            e.production_latency.push_back(r["production"]["latency_ms"].get<double>());
        }
    }
    const auto n = static_cast<double>(e.agreement_n);
    double p_e = 0;
    for (const auto& [key, count] : rows) {
        p_e += count / n * (cols.count(key) ? cols[key] / n : 0.0);
    }
    const double p_o = static_cast<double>(e.agreements) / n;
    e.kappa = (p_o - p_e) / (1 - p_e);
    e.shadow_error_rate = static_cast<double>(shadow_errors) / static_cast<double>(records.size());
    return e;
}

void expect_percentile_near(const json& live, double exact, const std::string& what) {
    ASSERT_TRUE(live.is_number()) << what;
    // The sketch keeps values within 0.39% (documented); the log rounds to 1 us.
    EXPECT_NEAR(live.get<double>(), exact, exact * 0.01 + 0.002) << what;
}

TEST(AdminStats, LiveNumbersEqualTheLogAndReport) {
    // Production predicts x % 3; the shadow disagrees on every 5th request, resets on every 7th
    // and answers 500 on every 11th.
    fake_upstream production{[](const received_request& r) { return prediction(x_of(r) % 3); }};
    fake_upstream shadow{[](const received_request& r) {
        const int x = x_of(r);
        if (x % 7 == 0) {
            reply failed;
            failed.action = reply::kind::reset;
            return failed;
        }
        if (x % 11 == 0) {
            reply error = prediction(0);
            error.status = 500;
            error.body = R"({"error":"boom"})";
            return error;
        }
        return prediction(x % 5 == 0 ? (x + 1) % 3 : x % 3);
    }};
    proxy_process proxy{"production: {name: model-v1, url: \"" + production.url() +
                        "\"}\nshadows:\n  - {name: model-v2, url: \"" + shadow.url() +
                        "\"}\npromotion: {min_requests: 60, min_agreement: 0.9, "
                        "max_shadow_p95_ms: 2000, max_shadow_error_rate: 0.5, "
                        "max_status_mismatch_rate: 0.5}\n"};
    ASSERT_TRUE(proxy.ready());
    constexpr int sent = 80;
    http_connection connection{proxy.port()};
    for (int x = 1; x <= sent; ++x) {
        ASSERT_EQ(connection.send("POST", "/predict", R"({"x":)" + std::to_string(x) + "}").status,
                  200U);
    }
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == sent; }, 10s, "all records"));
    const auto records = proxy.records();
    const expected e = from_log(records);

    const auto response = http_get(proxy.admin_port(), "/stats");
    ASSERT_EQ(response.status, 200U);
    const auto stats = json::parse(response.body);
    ASSERT_EQ(stats["shadows"].size(), 1U);
    const auto& s = stats["shadows"][0];
    EXPECT_EQ(s["name"], "model-v2");
    EXPECT_EQ(s["requests"], sent);
    for (const auto& [outcome, count] : s["outcomes"].items()) {
        EXPECT_EQ(count.get<std::uint64_t>(),
                  e.outcomes.count(outcome) ? e.outcomes.at(outcome) : 0)
            << outcome;
    }
    EXPECT_GT(e.outcomes.at("prediction_mismatch"), 0U);
    EXPECT_GT(e.outcomes.at("shadow_error"), 0U);
    EXPECT_GT(e.outcomes.at("status_mismatch"), 0U);
    EXPECT_EQ(s["agreement"]["n"], e.agreement_n);
    EXPECT_DOUBLE_EQ(s["agreement"]["rate"].get<double>(),
                     static_cast<double>(e.agreements) / static_cast<double>(e.agreement_n));
    EXPECT_NEAR(s["kappa"].get<double>(), e.kappa, 1e-12);
    EXPECT_DOUBLE_EQ(s["error_rate"]["shadow"].get<double>(), e.shadow_error_rate);
    EXPECT_DOUBLE_EQ(s["error_rate"]["production"].get<double>(), 0.0);
    const std::vector<std::pair<double, std::string>> quantiles{
        {0.5, "p50"}, {0.95, "p95"}, {0.99, "p99"}};
    for (const auto& [q, key] : quantiles) {
        expect_percentile_near(s["latency_ms"]["shadow"][key], percentile(e.shadow_latency, q),
                               "shadow " + key);
        expect_percentile_near(s["latency_ms"]["production"][key],
                               percentile(e.production_latency, q), "production " + key);
    }
    EXPECT_EQ(s["last_60s"]["requests"], sent);
    EXPECT_EQ(s["last_60s"]["agreement"]["n"], e.agreement_n);
    EXPECT_EQ(s["mirror"]["eligible"], sent);
    EXPECT_EQ(s["mirror"]["sent"], sent);
    EXPECT_EQ(s["mirror"]["queue_depth"], 0);
    EXPECT_EQ(s["mirror"]["dropped"]["queue_full"], 0);

    // The promotion verdict, criterion by criterion, against the measured values.
    const auto& criteria = s["promotion"]["criteria"];
    ASSERT_EQ(criteria.size(), 5U);
    EXPECT_EQ(criteria[0]["name"], "min_requests");
    EXPECT_EQ(criteria[0]["value"], sent);
    EXPECT_TRUE(criteria[0]["passed"]);
    EXPECT_EQ(criteria[1]["name"], "min_agreement");
    EXPECT_EQ(criteria[1]["passed"].get<bool>(), s["agreement"]["rate"].get<double>() >= 0.9);
    EXPECT_EQ(criteria[3]["name"], "max_shadow_error_rate");
    EXPECT_TRUE(criteria[3]["passed"]);
    EXPECT_EQ(criteria[4]["name"], "max_status_mismatch_rate");
    EXPECT_TRUE(criteria[4]["passed"]);
    std::uint64_t mismatches = 0;
    for (const auto& record : records) {
        mismatches += record["status_match"].get<bool>() ? 0 : 1;
    }
    EXPECT_GT(mismatches, 0U);
    EXPECT_DOUBLE_EQ(s["status_mismatch_rate"].get<double>(),
                     static_cast<double>(mismatches) / static_cast<double>(sent));
    EXPECT_EQ(s["promotion"]["passed"].get<bool>(), criteria[1]["passed"].get<bool>());

    // `report` on the same log: the same accumulator, so the same numbers.
    const auto report = run_binary({"report", "--format", "json", proxy.log_path()});
    const auto parsed = json::parse(report.out, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << report.out << report.err;
    const auto& r = parsed["shadows"][0];
    EXPECT_EQ(r["outcomes"], s["outcomes"]);
    EXPECT_EQ(r["agreement"]["n"], s["agreement"]["n"]);
    EXPECT_DOUBLE_EQ(r["agreement"]["rate"].get<double>(), s["agreement"]["rate"].get<double>());
    EXPECT_NEAR(r["agreement"]["ci95"][0].get<double>(), s["agreement"]["ci95"][0].get<double>(),
                1e-12);
    EXPECT_NEAR(r["kappa"].get<double>(), s["kappa"].get<double>(), 1e-12);
    EXPECT_DOUBLE_EQ(r["error_rate"]["shadow"].get<double>(),
                     s["error_rate"]["shadow"].get<double>());
    EXPECT_DOUBLE_EQ(r["status_mismatch_rate"].get<double>(),
                     s["status_mismatch_rate"].get<double>());
}

TEST(AdminStats, FeaturesCompletenessAndDrift) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{"production: {url: \"" + production.url() +
                        "\"}\nshadows:\n  - {name: b, url: \"" + shadow.url() +
                        "\"}\nfeatures: {pointer: /f}\n"};
    ASSERT_TRUE(proxy.ready());
    for (const std::string body : {R"({"f":{"age":30,"city":"x"}})", R"({"f":{"age":null}})",
                                   R"({"f":{"city":"y"}})", R"({"g":1})"}) {
        ASSERT_EQ(http_request(proxy.port(), "POST", "/predict", body).status, 200U);
    }
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 4; }, 5s, "records"));
    const auto stats = json::parse(http_get(proxy.admin_port(), "/stats").body);
    const auto& f = stats["features"]["since_start"];
    EXPECT_EQ(f["requests"], 4);
    EXPECT_FALSE(f["has_baseline"]);
    EXPECT_DOUBLE_EQ(f["features"]["age"]["null"].get<double>(), 0.25);
    EXPECT_DOUBLE_EQ(f["features"]["age"]["missing"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(f["features"]["city"]["non_numeric"].get<double>(), 0.5);
    EXPECT_TRUE(f["features"]["age"]["psi"].is_null());
    EXPECT_EQ(stats["features"]["window"]["requests"], 4);
}

}  // namespace
}  // namespace shadowproxy::testing
