#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "shadowproxy/report/report.hpp"
#include "test_files.hpp"

namespace shadowproxy::report {
namespace {

using testing::temp_dir;

// A deterministic synthetic log, and the expected statistics computed here from first
// principles (plain loops, no stats:: code).
struct synthetic_record {
    std::string id;
    std::string shadow;
    int prod = 0;
    int pred = 0;  // shadow prediction
    bool shadow_error = false;
    bool prod_error = false;
    double prod_ms = 0;
    double shadow_ms = 0;
};

struct lcg {
    std::uint64_t state = 12345;
    std::uint64_t next(std::uint64_t bound) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return (state >> 33) % bound;
    }
};

std::vector<synthetic_record> make_records() {
    lcg rng;
    std::vector<synthetic_record> out;
    for (int i = 0; i < 400; ++i) {
        const int prod = static_cast<int>(rng.next(4));
        const double prod_ms = 1.0 + static_cast<double>(rng.next(1000)) / 100.0;
        for (const char* shadow : {"a", "b"}) {
            synthetic_record r;
            r.id = "req-" + std::to_string(i);
            r.shadow = shadow;
            r.prod = prod;
            r.pred = rng.next(10) < 8 ? prod : static_cast<int>(rng.next(4));
            r.shadow_error = rng.next(50) == 0;
            r.prod_error = rng.next(100) == 0;
            r.prod_ms = prod_ms;
            r.shadow_ms = 2.0 + static_cast<double>(rng.next(2000)) / 100.0;
            out.push_back(r);
        }
    }
    return out;
}

std::string to_line(const synthetic_record& r) {
    nlohmann::json prod = {
        {"name", "v1"},
        {"status", 200},
        {"latency_ms", r.prod_ms},
        {"error", r.prod_error ? nlohmann::json("reset") : nlohmann::json()},
        {"prediction", r.prod_error ? nlohmann::json() : nlohmann::json(r.prod)}};
    nlohmann::json shadow = {
        {"name", r.shadow},
        {"latency_ms", r.shadow_ms},
        {"error", r.shadow_error ? nlohmann::json("timeout") : nlohmann::json()},
        {"prediction", r.shadow_error ? nlohmann::json() : nlohmann::json(r.pred)}};
    std::string outcome = r.prod_error       ? "production_error"
                          : r.shadow_error   ? "shadow_error"
                          : r.prod == r.pred ? "match"
                                             : "prediction_mismatch";
    nlohmann::json line = {{"request_id", r.id},
                           {"production", prod},
                           {"shadow", shadow},
                           {"outcome", outcome},
                           {"features", {{"x", r.prod_ms}}}};
    return line.dump();
}

double linear(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    const double rank = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(rank);
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (rank - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

TEST(BuildReport, MatchesIndependentlyComputedStatistics) {
    const auto records = make_records();
    temp_dir dir;
    std::string first;
    std::string second;
    for (std::size_t i = 0; i < records.size(); ++i) {
        (i < records.size() / 2 ? first : second) += to_line(records[i]) + "\n";
    }
    second += "{broken\n";
    std::string labels = "request_id,label\n";
    for (int i = 0; i < 400; i += 2) {
        labels += "req-" + std::to_string(i) + "," + std::to_string(i % 4) + "\n";
    }
    labels += "nobody,1\n";
    report_options options;
    options.logs = {dir.write("one.jsonl", first), dir.write_gz("two.jsonl.gz", second)};
    options.labels_path = dir.write("labels.csv", labels);
    const report_result result = build_report(options);

    EXPECT_EQ(result.records, records.size());
    EXPECT_EQ(result.malformed, 1U);
    ASSERT_EQ(result.malformed_samples.size(), 1U);
    EXPECT_EQ(result.malformed_samples[0].line, 401U);
    EXPECT_NE(result.malformed_samples[0].file.find("two.jsonl.gz"), std::string::npos);
    ASSERT_EQ(result.shadows.size(), 2U);

    for (const auto& shadow : result.shadows) {
        const auto& s = shadow.summary;
        std::uint64_t n = 0, agree = 0, shadow_errors = 0, joined = 0, prod_ok = 0, shadow_ok = 0;
        std::vector<std::vector<double>> table(4, std::vector<double>(4, 0));
        std::vector<double> prod_ms, shadow_ms, delta;
        for (const auto& r : records) {
            if (r.shadow != s.name) {
                continue;
            }
            const int number = std::stoi(r.id.substr(4));
            if (number % 2 == 0) {
                ++joined;
                prod_ok += !r.prod_error && r.prod == number % 4 ? 1 : 0;
                shadow_ok += !r.shadow_error && r.pred == number % 4 ? 1 : 0;
            }
            shadow_errors += r.shadow_error ? 1 : 0;
            if (!r.prod_error) {
                prod_ms.push_back(r.prod_ms);
            }
            if (!r.shadow_error) {
                shadow_ms.push_back(r.shadow_ms);
            }
            if (!r.prod_error && !r.shadow_error) {
                delta.push_back(r.shadow_ms - r.prod_ms);
                ++n;
                agree += r.prod == r.pred ? 1 : 0;
                table[r.prod][r.pred] += 1;
            }
        }
        double po = 0, pe = 0;
        for (int i = 0; i < 4; ++i) {
            double row = 0, col = 0;
            for (int j = 0; j < 4; ++j) {
                row += table[i][j];
                col += table[j][i];
            }
            po += table[i][i] / static_cast<double>(n);
            pe += row * col / static_cast<double>(n * n);
        }
        EXPECT_EQ(s.requests, 400U);
        EXPECT_EQ(s.agreement_n, n);
        EXPECT_NEAR(*s.agreement_rate, static_cast<double>(agree) / static_cast<double>(n), 1e-12);
        EXPECT_NEAR(*s.kappa, (po - pe) / (1 - pe), 1e-9);
        EXPECT_NEAR(*s.production_latency.p50, linear(prod_ms, 0.5), 1e-9);
        EXPECT_NEAR(*s.shadow_latency.p95, linear(shadow_ms, 0.95), 1e-9);
        EXPECT_NEAR(*s.shadow_latency.p99, linear(shadow_ms, 0.99), 1e-9);
        EXPECT_NEAR(*s.latency_delta.p50, linear(delta, 0.5), 1e-9);
        EXPECT_NEAR(*s.latency_delta.p99, linear(delta, 0.99), 1e-9);
        EXPECT_NEAR(*s.shadow_error_rate, static_cast<double>(shadow_errors) / 400.0, 1e-12);
        EXPECT_EQ(s.accuracy.joined, joined);
        EXPECT_EQ(s.accuracy.unlabeled, 400U - joined);
        EXPECT_NEAR(*s.accuracy.production, static_cast<double>(prod_ok) / joined, 1e-12);
        EXPECT_NEAR(*s.accuracy.shadow, static_cast<double>(shadow_ok) / joined, 1e-12);
        EXPECT_EQ(shadow.unmatched_labels, 1U);
        std::uint64_t total = 0;
        for (const auto& row : s.confusion) {
            for (const auto c : row) {
                total += c;
            }
        }
        EXPECT_EQ(total, n);
    }
    // Features: one request counted once although two shadows logged it.
    ASSERT_TRUE(result.features.has_value());
    EXPECT_EQ(result.features->requests, 400U);
    EXPECT_EQ(exit_code_of(result), 1);  // 400 requests < min_requests 1000
}

TEST(BuildReport, BaselinePsiAndShadowFilter) {
    temp_dir dir;
    const auto base =
        dir.write("base.json",
                  R"({"features": {"x": {"edges": [0, 5, 10], "shares": [0.5, 0.5]}}, "rows": 2})");
    std::string log;
    for (int i = 0; i < 10; ++i) {
        const std::string x = i < 8 ? std::to_string(i % 4) : (i == 8 ? "null" : "\"s\"");
        log += R"({"request_id":"r)" + std::to_string(i) +
               R"(","outcome":"match","production":{"latency_ms":1,"prediction":1},)"
               R"("shadow":{"name":"s","latency_ms":1,"prediction":1},"features":{"x":)" +
               x + "}}\n";
        log += R"({"request_id":"r)" + std::to_string(i) +
               R"(","outcome":"match","production":{"prediction":1},"shadow":{"name":"t"}})" + "\n";
    }
    report_options options;
    options.logs = {dir.write("log.jsonl", log)};
    options.baseline_path = base;
    options.shadow = "s";
    options.promotion.min_requests = 10;
    options.promotion.min_agreement = 1.0;
    options.promotion.max_shadow_error_rate = 0.0;
    const auto result = build_report(options);
    ASSERT_EQ(result.shadows.size(), 1U);
    ASSERT_TRUE(result.features.has_value());
    const auto& x = result.features->features.at(0);
    EXPECT_EQ(x.name, "x");
    EXPECT_DOUBLE_EQ(x.null, 0.1);
    EXPECT_DOUBLE_EQ(x.non_numeric, 0.1);
    // All eight numbers fall in the first bin: live shares {1, 0.0001 floor}.
    const double expected = (1 - 0.5) * std::log(1 / 0.5) + (0.0001 - 0.5) * std::log(0.0001 / 0.5);
    EXPECT_NEAR(*x.psi, expected, 1e-9);
    const auto& criteria = result.shadows[0].promotion.criteria;
    EXPECT_EQ(criteria.back().name, "max_feature_psi");
    EXPECT_FALSE(criteria.back().passed);
    EXPECT_EQ(exit_code_of(result), 1);

    options.promotion.max_feature_psi = 5.0;
    EXPECT_EQ(exit_code_of(build_report(options)), 0);
}

TEST(RunReport, JsonHasTheSpecKeysAndBadInputExitsTwo) {
    temp_dir dir;
    const auto log = dir.write(
        "log.jsonl",
        R"({"request_id":"r","outcome":"match","production":{"latency_ms":1,"error":null,"prediction":0},)"
        R"("shadow":{"name":"s","latency_ms":2,"error":null,"prediction":0}})"
        "\n");
    report_options options;
    options.logs = {log};
    options.format = output_format::json;
    options.promotion.min_requests = 1;
    options.promotion.min_agreement = 1;
    options.promotion.max_shadow_p95_ms = 2;
    options.promotion.max_shadow_error_rate = 0;
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(run_report(options, out, err), 0);
    const auto doc = nlohmann::json::parse(out.str());
    EXPECT_EQ(doc["records"], 1);
    EXPECT_EQ(doc["malformed_lines"], 0);
    const auto& s = doc["shadows"][0];
    for (const char* key : {"name", "requests", "outcomes", "agreement", "kappa", "confusion",
                            "distribution", "latency_ms", "error_rate", "promotion"}) {
        EXPECT_TRUE(s.contains(key)) << key;
    }
    EXPECT_TRUE(s["kappa"].is_null());  // one class only
    EXPECT_EQ(s["confusion"]["labels"], nlohmann::json::array({"0"}));
    EXPECT_EQ(s["distribution"]["production"]["0"], 1.0);
    EXPECT_EQ(s["latency_ms"]["delta"]["p50"], 1.0);
    EXPECT_EQ(s["promotion"]["passed"], true);
    EXPECT_FALSE(s.contains("accuracy"));

    options.logs.push_back(dir.path("missing.jsonl"));
    std::ostringstream err2;
    EXPECT_EQ(run_report(options, out, err2), 2);
    EXPECT_NE(err2.str().find("missing.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace shadowproxy::report
