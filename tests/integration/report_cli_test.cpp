// Runs the real binary's `report` and `baseline` commands on files written here and checks what
// a user sees: exit codes, messages naming the file at fault, stdin and gzip input.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "support/binaries.hpp"

namespace {

using shadowproxy::testing::shadowproxy_binary;

struct run_result {
    int exit_code = -1;
    std::string output;  // stdout and stderr
};

run_result run(const std::string& args) {
    const std::string command = shadowproxy_binary() + " " + args + " 2>&1";
    run_result result;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return result;
    }
    char buffer[4096];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
        result.output.append(buffer, got);
    }
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

class ReportCli : public ::testing::Test {
protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        dir_ = std::filesystem::temp_directory_path() /
               ("shadowproxy-report-cli-" + std::to_string(::getpid()) + "-" +
                std::to_string(counter++));
        std::filesystem::create_directories(dir_);
        std::string log;
        for (int i = 0; i < 20; ++i) {
            const int shadow_prediction = i < 19 ? i % 2 : 1 - i % 2;  // one mismatch
            log += R"({"request_id":"r)" + std::to_string(i) +
                   R"(","production":{"name":"v1","status":200,"latency_ms":)" +
                   std::to_string(1 + i) + R"(,"error":null,"prediction":)" +
                   std::to_string(i % 2) + R"(},"shadow":{"name":"v2","status":200,"latency_ms":)" +
                   std::to_string(2 + i) + R"(,"error":null,"prediction":)" +
                   std::to_string(shadow_prediction) + R"(},"outcome":")" +
                   (i < 19 ? "match" : "prediction_mismatch") + "\"}\n";
        }
        log_text_ = log;
        log_ = write("log.jsonl", log);
    }
    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    std::string write(const std::string& name, const std::string& content) {
        const auto path = (dir_ / name).string();
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }

    std::filesystem::path dir_;
    std::string log_;
    std::string log_text_;
};

constexpr const char* lenient =
    "--min-requests 20 --min-agreement 0.9 --max-p95-ms 100 --max-error-rate 0 ";

TEST_F(ReportCli, ExitsZeroWhenEveryCriterionPasses) {
    const auto r = run(std::string("report ") + lenient + log_);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("PASS  min_agreement"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("Percentiles: linear interpolation"), std::string::npos);
    for (std::size_t start = 0, end = 0; end != std::string::npos; start = end + 1) {
        end = r.output.find('\n', start);
        EXPECT_LE(r.output.substr(start, end - start).size(), 100U);
    }
}

TEST_F(ReportCli, ExitsOneWhenACriterionFails) {
    const auto r = run("report --min-requests 20 --min-agreement 0.99 " + log_);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("FAIL  min_agreement"), std::string::npos) << r.output;
}

TEST_F(ReportCli, ExitsTwoForAnUnreadableFileNamingIt) {
    const auto missing = (dir_ / "nope.jsonl").string();
    const auto r = run("report " + log_ + " " + missing);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find(missing), std::string::npos) << r.output;
}

TEST_F(ReportCli, ExitsTwoForBadUsage) {
    EXPECT_EQ(run("report --format xml " + log_).exit_code, 2);
    EXPECT_EQ(run("report").exit_code, 2);
    EXPECT_EQ(run("report --min-agreement 2 " + log_).exit_code, 2);
}

TEST_F(ReportCli, ReadsStdinAndGzip) {
    const auto from_stdin = run(std::string("report --format json ") + lenient + "- < " + log_);
    EXPECT_EQ(from_stdin.exit_code, 0) << from_stdin.output;
    EXPECT_EQ(nlohmann::json::parse(from_stdin.output)["records"], 20);

    const auto gz = (dir_ / "log.jsonl.gz").string();
    ASSERT_EQ(std::system(("gzip -c " + log_ + " > " + gz).c_str()), 0);
    const auto zipped = run(std::string("report --format json ") + lenient + gz);
    EXPECT_EQ(zipped.exit_code, 0) << zipped.output;
    const auto doc = nlohmann::json::parse(zipped.output);
    EXPECT_EQ(doc["shadows"][0]["agreement"]["n"], 20);
    EXPECT_DOUBLE_EQ(doc["shadows"][0]["agreement"]["rate"].get<double>(), 0.95);
}

TEST_F(ReportCli, MalformedLinesAreCountedNotFatal) {
    const auto mixed = write("mixed.jsonl", "garbage\n" + log_text_ + "{\"outcome\":\"match\"}\n");
    const auto r = run(std::string("report --format json ") + lenient + mixed);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    const auto json_start = r.output.find('{');
    const auto doc =
        nlohmann::json::parse(r.output.substr(0, r.output.rfind('}') + 1).substr(json_start));
    EXPECT_EQ(doc["malformed_lines"], 2);
    EXPECT_EQ(doc["malformed_samples"][0]["line"], 1);
    EXPECT_EQ(doc["malformed_samples"][1]["line"], 22);
}

TEST_F(ReportCli, LabelsAddAccuracy) {
    const auto labels = write("labels.csv", "request_id,label\nr0,0\nr1,1\nr19,1\nghost,1\n");
    const auto r =
        run(std::string("report --format json ") + lenient + "--labels " + labels + " " + log_);
    const auto doc = nlohmann::json::parse(r.output);
    const auto& accuracy = doc["shadows"][0]["accuracy"];
    EXPECT_EQ(accuracy["joined"], 3);
    EXPECT_EQ(accuracy["unlabeled"], 17);
    EXPECT_EQ(accuracy["unmatched_labels"], 1);
    EXPECT_DOUBLE_EQ(accuracy["production"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(accuracy["shadow"].get<double>(), 2.0 / 3.0);
    EXPECT_EQ(r.exit_code, 1);  // shadow_accuracy fails
}

TEST_F(ReportCli, DefaultsNoticeOnlyWithoutConfigOrFlags) {
    const auto bare = run("report " + log_);
    EXPECT_EQ(bare.exit_code, 1) << bare.output;  // 20 records < the default min_requests 1000
    EXPECT_NE(bare.output.find("No --config and no criterion flags: applying the default criteria"),
              std::string::npos)
        << bare.output;
    const auto flagged = run(std::string("report ") + lenient + log_);
    EXPECT_EQ(flagged.output.find("default criteria"), std::string::npos) << flagged.output;
}

TEST_F(ReportCli, UnevaluatedCriterionFailsUnlessAllowed) {
    const std::string args = std::string("report ") + lenient + "--max-feature-psi 0.2 ";
    const auto strict = run(args + log_);
    EXPECT_EQ(strict.exit_code, 1) << strict.output;
    EXPECT_NE(strict.output.find("NOT EVALUATED  max_feature_psi"), std::string::npos)
        << strict.output;
    const auto allowed = run(args + "--allow-unevaluated " + log_);
    EXPECT_EQ(allowed.exit_code, 0) << allowed.output;
}

TEST_F(ReportCli, LabelColumnsByName) {
    const auto labels = write("truth.csv", "id,score,truth\nr0,0.1,0\nr1,0.2,1\nr19,0.3,1\n");
    const auto r = run(std::string("report --format json ") + lenient + "--labels " + labels +
                       " --id-column id --label-column truth " + log_);
    const auto doc = nlohmann::json::parse(r.output, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << r.output;
    EXPECT_EQ(doc["shadows"][0]["accuracy"]["joined"], 3);
    const auto wrong = run(std::string("report ") + lenient + "--labels " + labels + " " + log_);
    EXPECT_EQ(wrong.exit_code, 2);
    EXPECT_NE(wrong.output.find("\"request_id\""), std::string::npos) << wrong.output;
}

TEST_F(ReportCli, TruncatedGzipExitsTwo) {
    std::string big;
    for (int i = 0; i < 200; ++i) {
        big += log_text_;
    }
    const auto plain = write("big.jsonl", big);
    const auto gz = plain + ".gz";
    ASSERT_EQ(std::system(("gzip -c " + plain + " > " + gz).c_str()), 0);
    std::ifstream in(gz, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const auto cut = write("cut.jsonl.gz", bytes.substr(0, bytes.size() / 2));
    const auto r = run(std::string("report ") + lenient + cut);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("cut.jsonl.gz"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("offset"), std::string::npos) << r.output;
}

TEST_F(ReportCli, BaselineCommand) {
    std::string csv = "age,label,income\n";
    for (int i = 0; i < 100; ++i) {
        csv += std::to_string(i) + ",0," + std::to_string(i * 3 % 17) + "\n";
    }
    const auto out = (dir_ / "baseline.json").string();
    const auto ok =
        run("baseline --csv " + write("train.csv", csv) + " --label-column label --out " + out);
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    std::ifstream in(out);
    const auto doc = nlohmann::json::parse(in);
    EXPECT_EQ(doc["rows"], 100);
    EXPECT_EQ(doc["features"]["age"]["edges"].size(), 11U);
    EXPECT_FALSE(doc["features"].contains("label"));

    const auto empty = run("baseline --csv " + write("empty.csv", "") + " --out " + out);
    EXPECT_EQ(empty.exit_code, 2);
    EXPECT_NE(empty.output.find("empty"), std::string::npos) << empty.output;
    const auto bad =
        run("baseline --csv " + write("bad.csv", "a,b\n1,2\n3,oops\n") + " --out " + out);
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.output.find("\"b\" is not numeric: line 3"), std::string::npos) << bad.output;
    EXPECT_EQ(run("baseline --out " + out).exit_code, 2);
}

}  // namespace
