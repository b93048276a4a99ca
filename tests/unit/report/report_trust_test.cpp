// `report` as a gate that can be trusted: unevaluated criteria, the defaults notice, truncated
// gzip input, custom label columns, where the shadow disagrees, paired significance, the period
// covered and regression output.
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "shadowproxy/report/report.hpp"
#include "test_files.hpp"

namespace shadowproxy::report {
namespace {

using testing::temp_dir;

std::string record(const std::string& id, const nlohmann::json& prod, const nlohmann::json& shadow,
                   const std::string& path = "/predict", unsigned shadow_status = 200,
                   const std::string& ts = "2026-11-21T10:00:00Z") {
    const bool status_match = shadow_status == 200;
    nlohmann::json line = {{"ts", ts},
                           {"request_id", id},
                           {"path", path},
                           {"production",
                            {{"name", "v1"},
                             {"status", 200},
                             {"latency_ms", 1.0},
                             {"error", nullptr},
                             {"prediction", prod}}},
                           {"shadow",
                            {{"name", "v2"},
                             {"status", shadow_status},
                             {"latency_ms", 2.0},
                             {"error", nullptr},
                             {"prediction", shadow}}},
                           {"outcome", !status_match    ? "status_mismatch"
                                       : prod == shadow ? "match"
                                                        : "prediction_mismatch"},
                           {"status_match", status_match}};
    return line.dump() + "\n";
}

report_options lenient(const std::string& log) {
    report_options options;
    options.logs = {log};
    options.promotion.min_requests = 1;
    options.promotion.min_agreement = 0;
    options.promotion.max_shadow_p95_ms = 1000;
    options.promotion.max_shadow_error_rate = 1;
    options.promotion.max_status_mismatch_rate = 1;
    return options;
}

nlohmann::json run_json(report_options options, int& exit_code) {
    options.format = output_format::json;
    std::ostringstream out, err;
    exit_code = run_report(options, out, err);
    return nlohmann::json::parse(out.str(), nullptr, false);
}

TEST(ReportTrust, UnevaluatedCriteriaFailTheGateUnlessAllowed) {
    temp_dir dir;
    auto options = lenient(dir.write("log.jsonl", record("r1", 1, 1)));
    options.promotion.max_feature_psi_set = true;  // configured, but no baseline
    options.promotion.shadow_accuracy = true;      // configured, but no labels
    int code = 0;
    auto doc = run_json(options, code);
    EXPECT_EQ(code, 1);
    const auto& criteria = doc["shadows"][0]["promotion"]["criteria"];
    int unevaluated = 0;
    for (const auto& c : criteria) {
        if (c["passed"].is_null()) {
            ++unevaluated;
            EXPECT_FALSE(c["reason"].get<std::string>().empty());
        }
    }
    EXPECT_EQ(unevaluated, 2);
    EXPECT_EQ(doc["shadows"][0]["promotion"]["unevaluated"], 2);

    std::ostringstream text, err;
    options.format = output_format::text;
    run_report(options, text, err);
    EXPECT_NE(text.str().find("NOT EVALUATED  max_feature_psi"), std::string::npos) << text.str();
    EXPECT_NE(text.str().find("no baseline"), std::string::npos);
    EXPECT_NE(text.str().find("no labels"), std::string::npos);

    options.allow_unevaluated = true;
    doc = run_json(options, code);
    EXPECT_EQ(code, 0);
    EXPECT_EQ(doc["shadows"][0]["promotion"]["passed"], true);
}

TEST(ReportTrust, ZeroRecordsAreNotEvaluated) {
    temp_dir dir;
    report_options options = lenient(dir.write("empty.jsonl", "{\"not\": \"a record\"}\n"));
    int code = 0;
    const auto doc = run_json(options, code);
    EXPECT_EQ(code, 1);
    EXPECT_TRUE(doc["shadows"].empty());
}

TEST(ReportTrust, DefaultsNoticeSaysWhichCriteriaApply) {
    temp_dir dir;
    report_options options;
    options.logs = {dir.write("log.jsonl", record("r1", 1, 1))};
    options.defaults_applied = true;
    std::ostringstream out, err;
    run_report(options, out, err);
    EXPECT_NE(out.str().find("No --config and no criterion flags: applying the default criteria\n"
                             "  min_requests 1000, min_agreement 0.99"),
              std::string::npos)
        << out.str();
    EXPECT_NE(out.str().find("max_status_mismatch_rate 0.001"), std::string::npos);
    options.defaults_applied = false;
    std::ostringstream quiet;
    run_report(options, quiet, err);
    EXPECT_EQ(quiet.str().find("default criteria"), std::string::npos);
}

TEST(ReportTrust, TruncatedGzipExitsTwoNamingFileAndOffset) {
    temp_dir dir;
    std::string log;
    for (int i = 0; i < 3000; ++i) {
        log += record("r" + std::to_string(i), i % 3, i % 4);
    }
    const auto whole_path = dir.write_gz("whole.jsonl.gz", log);
    std::ifstream in(whole_path, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const auto cut = dir.write("cut.jsonl.gz", bytes.substr(0, bytes.size() * 2 / 3));
    report_options options = lenient(cut);
    std::ostringstream out, err;
    EXPECT_EQ(run_report(options, out, err), 2);
    EXPECT_NE(err.str().find("cut.jsonl.gz"), std::string::npos) << err.str();
    EXPECT_NE(err.str().find("offset"), std::string::npos) << err.str();
}

TEST(ReportTrust, CustomLabelColumns) {
    temp_dir dir;
    auto options = lenient(dir.write("log.jsonl", record("r1", 1, 1) + record("r2", 0, 1)));
    options.labels_path = dir.write("truth.csv", "id,note,truth\nr1,x,1\nr2,y,1\n");
    options.id_column = "id";
    options.label_column = "truth";
    const auto result = build_report(options);
    ASSERT_EQ(result.shadows.size(), 1U);
    const auto& a = result.shadows[0].summary.accuracy;
    EXPECT_EQ(a.joined, 2U);
    EXPECT_DOUBLE_EQ(*a.production, 0.5);
    EXPECT_DOUBLE_EQ(*a.shadow, 1.0);
    options.label_column = "label";
    std::ostringstream out, err;
    EXPECT_EQ(run_report(options, out, err), 2);
    EXPECT_NE(err.str().find("\"label\""), std::string::npos) << err.str();
}

TEST(ReportTrust, PlantedSegmentComesFirst) {
    temp_dir dir;
    std::string log;
    int id = 0;
    auto add = [&](const std::string& path, int n, int wrong_every, int wrong_count) {
        for (int i = 0; i < n; ++i) {
            const bool wrong = i % wrong_every < wrong_count;
            log += record("r" + std::to_string(id++), 1, wrong ? 0 : 1, path);
        }
    };
    add("/bad", 200, 5, 2);  // 40% wrong
    add("/a", 500, 50, 1);   // 2% wrong
    add("/b", 500, 50, 1);
    add("/c", 500, 50, 1);
    add("/tiny", 20, 1, 1);  // always wrong, but n < 30
    int code = 0;
    const auto doc = run_json(lenient(dir.write("log.jsonl", log)), code);
    const auto& segments = doc["shadows"][0]["segments"];
    ASSERT_GE(segments.size(), 4U) << doc.dump(2);
    EXPECT_EQ(segments[0]["dimension"], "path");
    EXPECT_EQ(segments[0]["segment"], "/bad");
    EXPECT_EQ(segments[0]["n"], 200);
    EXPECT_NEAR(segments[0]["value"].get<double>(), 0.4, 1e-12);
    EXPECT_EQ(segments[0]["ci95"].size(), 2U);
    for (const auto& s : segments) {
        EXPECT_NE(s["segment"], "/tiny");
    }
}

TEST(ReportTrust, McNemarPerClassAndAccuracyIntervals) {
    temp_dir dir;
    std::string log, labels = "request_id,label\n";
    int id = 0;
    auto add = [&](int prod, int shadow, int label, int times) {
        for (int i = 0; i < times; ++i) {
            const auto rid = "r" + std::to_string(id++);
            log += record(rid, prod, shadow);
            labels += rid + "," + std::to_string(label) + "\n";
        }
    };
    add(1, 1, 1, 5);  // both right
    add(0, 1, 1, 9);  // only the shadow right
    add(1, 0, 1, 1);  // only production right
    add(0, 0, 0, 4);  // both right (class 0)
    auto options = lenient(dir.write("log.jsonl", log));
    options.labels_path = dir.write("labels.csv", labels);
    int code = 0;
    const auto doc = run_json(options, code);
    const auto& a = doc["shadows"][0]["accuracy"];
    EXPECT_NEAR(a["mcnemar_p"].get<double>(), 22.0 / 1024.0, 1e-12);
    EXPECT_EQ(a["paired"]["shadow_only"], 9);
    EXPECT_EQ(a["ci95"]["shadow"].size(), 2U);
    // Production: class 0 predicted 13 times (4 right, of 4 labelled 0); class 1 predicted 6
    // times, all right, of 15 labelled 1.
    const auto& prod = a["per_class"]["production"];
    ASSERT_EQ(prod.size(), 2U);
    EXPECT_EQ(prod[0]["class"], "0");
    EXPECT_EQ(prod[0]["support"], 4);
    EXPECT_NEAR(prod[0]["precision"].get<double>(), 4.0 / 13.0, 1e-12);
    EXPECT_NEAR(prod[0]["recall"].get<double>(), 1.0, 1e-12);
    EXPECT_EQ(prod[1]["support"], 15);
    EXPECT_NEAR(prod[1]["precision"].get<double>(), 1.0, 1e-12);
    EXPECT_NEAR(prod[1]["recall"].get<double>(), 6.0 / 15.0, 1e-12);
    EXPECT_NEAR(prod[1]["f1"].get<double>(), 2 * 1.0 * 0.4 / 1.4, 1e-12);
    // Shadow: class 1 predicted 14 times (14 right), class 0 five times (4 right).
    const auto& shadow = a["per_class"]["shadow"];
    EXPECT_NEAR(shadow[0]["precision"].get<double>(), 4.0 / 5.0, 1e-12);
    EXPECT_NEAR(shadow[1]["recall"].get<double>(), 14.0 / 15.0, 1e-12);
}

TEST(ReportTrust, PeriodCovered) {
    temp_dir dir;
    const auto log =
        dir.write("log.jsonl", record("r1", 1, 1, "/p", 200, "2026-11-21T10:00:10.5Z") +
                                   record("r2", 1, 1, "/p", 200, "2026-11-21T10:00:00Z") +
                                   record("r3", 1, 1, "/p", 200, "2026-11-21T10:00:20.5Z"));
    int code = 0;
    const auto doc = run_json(lenient(log), code);
    EXPECT_EQ(doc["period"]["first_ts"], "2026-11-21T10:00:00Z");
    EXPECT_EQ(doc["period"]["last_ts"], "2026-11-21T10:00:20.5Z");
    EXPECT_NEAR(doc["period"]["duration_seconds"].get<double>(), 20.5, 1e-9);
    EXPECT_NEAR(doc["period"]["requests_per_second"].get<double>(), 3 / 20.5, 1e-9);
}

TEST(ReportTrust, ServerErrorsAndStatusMismatches) {
    temp_dir dir;
    std::string log;
    for (int i = 0; i < 10; ++i) {
        log += record("r" + std::to_string(i), 1, i % 2 ? nlohmann::json() : nlohmann::json(1),
                      "/p", i % 2 ? 500 : 200);
    }
    auto options = lenient(dir.write("log.jsonl", log));
    options.promotion.max_shadow_error_rate = 0.001;
    options.promotion.max_status_mismatch_rate = 0.001;
    int code = 0;
    const auto doc = run_json(options, code);
    EXPECT_EQ(code, 1);
    const auto& s = doc["shadows"][0];
    EXPECT_DOUBLE_EQ(s["error_rate"]["shadow"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(s["transport_error_rate"]["shadow"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(s["status_mismatch_rate"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(s["agreement"]["rate"].get<double>(), 1.0);
    for (const auto& c : s["promotion"]["criteria"]) {
        if (c["name"] == "max_status_mismatch_rate" || c["name"] == "max_shadow_error_rate") {
            EXPECT_EQ(c["passed"], false) << c.dump();
        }
    }
}

TEST(ReportTrust, RegressionKeysReplaceAgreement) {
    temp_dir dir;
    const auto log = dir.write("log.jsonl", record("r1", 1.0, 1.04) + record("r2", 2.0, 2.5) +
                                                record("r3", 3.0, 3.0) + record("r4", 4.0, 3.9));
    auto options = lenient(log);
    options.predictions = config::prediction_type::regression;
    options.float_abs_tolerance = 0.05;
    options.promotion.min_within_tolerance = 0.5;
    options.promotion.max_mae = 1.0;
    int code = 0;
    const auto doc = run_json(options, code);
    EXPECT_EQ(code, 0) << doc.dump(2);
    const auto& s = doc["shadows"][0];
    EXPECT_FALSE(s.contains("agreement"));
    EXPECT_FALSE(s.contains("confusion"));
    const auto& r = s["regression"];
    for (const char* key : {"mae", "rmse", "max_abs_error", "bias", "pearson", "spearman",
                            "residual", "within_tolerance"}) {
        EXPECT_TRUE(r.contains(key)) << key;
    }
    EXPECT_NEAR(r["mae"].get<double>(), (0.04 + 0.5 + 0.0 + 0.1) / 4, 1e-12);
    EXPECT_NEAR(r["within_tolerance"].get<double>(), 0.5, 1e-12);
    EXPECT_EQ(s["segments_metric"], "mae");
}

}  // namespace
}  // namespace shadowproxy::report
