// `shadowproxy report DIR` and many files: records collected from several replicas (plain and
// gzip files in one directory, as a log shipper leaves them) are read with one command and
// counted exactly once each.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/binaries.hpp"
#include "support/shell.hpp"

namespace {

using shadowproxy::testing::shadowproxy_binary;

using shadowproxy::testing::run_shell;
using shadowproxy::testing::shell_quote;

namespace fs = std::filesystem;

std::string records(int first, int count) {
    std::string out;
    for (int i = first; i < first + count; ++i) {
        out += R"({"request_id":"r)" + std::to_string(i) +
               R"(","production":{"name":"v1","status":200,"latency_ms":1,"error":null,)"
               R"("prediction":1},"shadow":{"name":"v2","status":200,"latency_ms":2,)"
               R"("error":null,"prediction":1},"outcome":"match"})"
               "\n";
    }
    return out;
}

class ReportDirectory : public ::testing::Test {
protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        dir_ = fs::temp_directory_path() / ("shadowproxy-report-dir-" + std::to_string(::getpid()) +
                                            "-" + std::to_string(counter++));
        fs::create_directories(dir_ / "day");
        std::ofstream(dir_ / "day" / "replica-a.jsonl") << records(0, 10);
        std::ofstream(dir_ / "day" / "replica-b.jsonl") << records(10, 5);
        std::ofstream(dir_ / "plain-c.jsonl") << records(15, 7);
        EXPECT_EQ(run_shell("gzip -c " + shell_quote((dir_ / "plain-c.jsonl").string()) + " > " +
                            shell_quote((dir_ / "day" / "replica-c.jsonl.gz").string()))
                      .exit_code,
                  0);
        std::ofstream(dir_ / "day" / "README") << "not a log\n";
    }
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    shadowproxy::testing::shell_result report(const std::string& args) {
        return run_shell(shadowproxy_binary() + " report --format json --min-requests 1 " + args +
                         " 2>&1");
    }

    fs::path dir_;
};

TEST_F(ReportDirectory, ReadsEveryLogFileOfADirectory) {
    const auto r = report(shell_quote((dir_ / "day").string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto doc = nlohmann::json::parse(r.output);
    EXPECT_EQ(doc["records"], 22);
    EXPECT_EQ(doc["malformed_lines"], 0);
    EXPECT_EQ(doc["shadows"][0]["requests"], 22);
}

TEST_F(ReportDirectory, MixesDirectoriesAndFiles) {
    std::ofstream(dir_ / "extra.jsonl") << records(100, 3);
    const auto r = report(shell_quote((dir_ / "day").string()) + " " +
                          shell_quote((dir_ / "extra.jsonl").string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["records"], 25);
}

TEST_F(ReportDirectory, EmptyDirectoryExitsTwoNamingIt) {
    fs::create_directories(dir_ / "empty");
    const auto empty = (dir_ / "empty").string();
    const auto r = report(shell_quote(empty));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(empty), std::string::npos) << r.output;
}

}  // namespace
