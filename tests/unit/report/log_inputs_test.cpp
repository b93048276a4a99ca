// expand_log_inputs: files and "-" pass through in order, a directory becomes its *.jsonl and
// *.jsonl.gz files sorted by name, and an empty or unreadable directory is a read_error.
#include "shadowproxy/report/log_inputs.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "shadowproxy/report/line_reader.hpp"
#include "test_files.hpp"

namespace shadowproxy::report {
namespace {

using testing::temp_dir;

TEST(LogInputs, FilesAndStdinPassThroughInOrder) {
    temp_dir dir;
    const auto b = dir.write("b.jsonl", "{}\n");
    const auto a = dir.write("a.txt", "{}\n");
    const auto missing = dir.path("missing.jsonl");  // reported later, when it is opened
    EXPECT_EQ(expand_log_inputs({b, "-", a, missing}),
              (std::vector<std::string>{b, "-", a, missing}));
}

TEST(LogInputs, DirectoryBecomesItsLogFilesSortedByName) {
    temp_dir dir;
    const auto day = dir.path("day");
    std::filesystem::create_directories(day + "/nested");
    dir.write("day/replica-b.jsonl", "{}\n");
    dir.write_gz("day/replica-a.jsonl.gz", "{}\n");
    dir.write("day/replica-c.1.jsonl", "{}\n");
    dir.write("day/notes.txt", "not a log\n");
    dir.write("day/replica-d.jsonl.tmp", "partial\n");
    dir.write("day/nested/deep.jsonl", "{}\n");
    const auto single = dir.write("single.jsonl", "{}\n");

    EXPECT_EQ(expand_log_inputs({single, day}),
              (std::vector<std::string>{single, day + "/replica-a.jsonl.gz",
                                        day + "/replica-b.jsonl", day + "/replica-c.1.jsonl"}));
}

TEST(LogInputs, DirectoryWithoutLogsIsAnErrorNamingIt) {
    temp_dir dir;
    const auto empty = dir.path("empty");
    std::filesystem::create_directories(empty);
    dir.write("empty/readme.txt", "x\n");
    try {
        expand_log_inputs({empty});
        FAIL() << "expected read_error";
    } catch (const read_error& e) {
        EXPECT_NE(std::string(e.what()).find(empty), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace shadowproxy::report
