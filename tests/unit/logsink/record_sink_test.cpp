#include "shadowproxy/logsink/record_sink.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

namespace shadowproxy::logsink {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class RecordSink : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "shadowproxy-sink-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    config::log_config settings(const std::string& name, std::uint64_t max_file_bytes = 1 << 20,
                                std::size_t max_files = 10) const {
        config::log_config c;
        c.path = (dir_ / name).string();
        c.max_file_bytes = max_file_bytes;
        c.max_files = max_files;
        return c;
    }

    static std::vector<std::string> read_lines(const fs::path& file) {
        std::vector<std::string> lines;
        std::ifstream in(file);
        for (std::string line; std::getline(in, line);) {
            lines.push_back(line);
        }
        return lines;
    }

    static std::string line_for(int i) {
        return nlohmann::json{{"seq", i}, {"pad", "some padding"}}.dump() + "\n";
    }

    static int seq_of(const std::string& line) { return nlohmann::json::parse(line)["seq"]; }

    fs::path dir_;
};

TEST_F(RecordSink, WritesEveryLineInOrder) {
    const auto c = settings("out.jsonl");
    constexpr int count = 2000;
    {
        record_sink sink(c);
        for (int i = 0; i < count; ++i) {
            ASSERT_TRUE(sink.write(line_for(i)));
        }
        sink.flush(5s);
        EXPECT_EQ(sink.written(), static_cast<std::uint64_t>(count));
        EXPECT_EQ(sink.dropped(), 0u);
    }
    const auto lines = read_lines(c.path);
    ASSERT_EQ(lines.size(), static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        EXPECT_EQ(seq_of(lines[i]), i);
    }
}

TEST_F(RecordSink, CreatesTheDirectoryAndAddsMissingNewlines) {
    auto c = settings("a/b/out.jsonl");
    {
        record_sink sink(c);
        sink.write("{\"x\":1}");
        sink.write("{\"x\":2}\n");
    }
    EXPECT_EQ(read_lines(c.path), (std::vector<std::string>{"{\"x\":1}", "{\"x\":2}"}));
}

TEST_F(RecordSink, AppendsToAnExistingFileAndCountsItsSize) {
    const auto c = settings("out.jsonl", 100, 5);
    std::ofstream(c.path) << std::string(79, 'x') << "\n";  // 80 bytes already there
    {
        record_sink sink(c);
        sink.write(std::string(30, 'y') + "\n");  // 110 > 100: rotates first
    }
    EXPECT_EQ(read_lines(dir_ / "out.1.jsonl"), std::vector<std::string>{std::string(79, 'x')});
    EXPECT_EQ(read_lines(c.path), std::vector<std::string>{std::string(30, 'y')});
}

TEST_F(RecordSink, RotatesWithoutLosingOrSplittingLines) {
    const std::uint64_t limit = 300;
    const auto c = settings("x.jsonl", limit, 100);
    constexpr int count = 200;
    std::uint64_t written = 0;
    {
        record_sink sink(c);
        for (int i = 0; i < count; ++i) {
            sink.write(line_for(i));
        }
        sink.flush(5s);
        written = sink.written();
    }
    EXPECT_EQ(written, static_cast<std::uint64_t>(count));
    std::vector<std::string> all;
    std::size_t rotated = 0;
    while (fs::exists(dir_ / ("x." + std::to_string(rotated + 1) + ".jsonl"))) {
        ++rotated;
    }
    ASSERT_GT(rotated, 5u);
    for (std::size_t k = rotated; k >= 1; --k) {
        const auto file = dir_ / ("x." + std::to_string(k) + ".jsonl");
        EXPECT_LE(fs::file_size(file), limit);
        for (auto& line : read_lines(file)) {
            all.push_back(std::move(line));
        }
    }
    for (auto& line : read_lines(c.path)) {
        all.push_back(std::move(line));
    }
    ASSERT_EQ(all.size(), static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        EXPECT_EQ(seq_of(all[i]), i);  // also proves every line parses
    }
}

TEST_F(RecordSink, KeepsAtMostMaxFilesRotatedFiles) {
    const auto c = settings("x.jsonl", 200, 3);
    {
        record_sink sink(c);
        for (int i = 0; i < 300; ++i) {
            sink.write(line_for(i));
        }
    }
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"x.1.jsonl", "x.2.jsonl", "x.3.jsonl", "x.jsonl"}));
    int last = -1;
    for (const char* name : {"x.3.jsonl", "x.2.jsonl", "x.1.jsonl", "x.jsonl"}) {
        for (const auto& line : read_lines(dir_ / name)) {
            const int seq = seq_of(line);
            EXPECT_GT(seq, last);
            last = seq;
        }
    }
    EXPECT_EQ(last, 299);
}

TEST_F(RecordSink, PutsAnOversizedLineAloneInAFreshFile) {
    const auto c = settings("x.jsonl", 50, 5);
    const std::string big = "{\"big\":\"" + std::string(200, 'b') + "\"}";
    {
        record_sink sink(c);
        sink.write("{\"a\":1}\n");
        sink.write(big + "\n");
        sink.write("{\"c\":3}\n");
    }
    EXPECT_EQ(read_lines(dir_ / "x.2.jsonl"), std::vector<std::string>{"{\"a\":1}"});
    EXPECT_EQ(read_lines(dir_ / "x.1.jsonl"), std::vector<std::string>{big});
    EXPECT_EQ(read_lines(c.path), std::vector<std::string>{"{\"c\":3}"});
}

TEST_F(RecordSink, CountsLinesItCannotWriteAsDropped) {
    config::log_config full;
    full.path = "/dev/full";
    {
        record_sink sink(full);
        for (int i = 0; i < 100; ++i) {
            sink.write(line_for(i));
        }
        sink.flush(5s);
        EXPECT_EQ(sink.dropped(), 100u);
        EXPECT_EQ(sink.written(), 0u);
        sink.write(line_for(100));  // keeps retrying on later batches
        sink.flush(5s);
        EXPECT_EQ(sink.dropped(), 101u);
    }

    std::ofstream(dir_ / "not-a-dir") << "x";
    const auto c = settings("not-a-dir/out.jsonl");
    record_sink sink(c);
    for (int i = 0; i < 10; ++i) {
        sink.write(line_for(i));
    }
    sink.flush(5s);
    EXPECT_EQ(sink.dropped(), 10u);
    EXPECT_EQ(sink.written(), 0u);
}

TEST_F(RecordSink, DiscardsNewLinesWhenTheQueueIsFull) {
    const auto c = settings("out.jsonl");
    {
        record_sink sink(c, 0);
        EXPECT_FALSE(sink.write(line_for(0)));
        EXPECT_EQ(sink.dropped(), 1u);
    }
    constexpr int count = 100000;
    record_sink sink(c, 1);
    for (int i = 0; i < count; ++i) {
        sink.write(line_for(i));
    }
    sink.flush(10s);
    EXPECT_GT(sink.dropped(), 0u);
    EXPECT_EQ(sink.written() + sink.dropped(), static_cast<std::uint64_t>(count));
}

TEST_F(RecordSink, FlushIsBoundedWhenTheWriterIsStuck) {
    const fs::path fifo = dir_ / "pipe";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
    ASSERT_GE(reader, 0);
    config::log_config c;
    c.path = fifo.string();
    {
        record_sink sink(c);
        const std::string line = std::string(1023, 'z') + "\n";
        for (int i = 0; i < 200; ++i) {  // 200 KB, far more than a pipe holds
            sink.write(std::string(line));
        }
        const auto start = std::chrono::steady_clock::now();
        sink.flush(100ms);
        EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
        EXPECT_LT(sink.written(), 200u);

        // Unblock the writer so the destructor can finish: drain until everything arrived.
        ::fcntl(reader, F_SETFL, 0);
        std::size_t total = 0;
        char buffer[65536];
        while (total < 200 * 1024) {
            const ssize_t n = ::read(reader, buffer, sizeof(buffer));
            ASSERT_GT(n, 0);
            total += static_cast<std::size_t>(n);
        }
        sink.flush(5s);
        EXPECT_EQ(sink.written(), 200u);
    }
    ::close(reader);
}

TEST_F(RecordSink, ReconfigureSwitchesFiles) {
    const auto first = settings("first.jsonl");
    const auto second = settings("second.jsonl");
    {
        record_sink sink(first);
        sink.write(line_for(1));
        sink.reconfigure(second);
        sink.flush(5s);
        sink.write(line_for(2));
    }
    ASSERT_EQ(read_lines(first.path).size(), 1u);
    EXPECT_EQ(seq_of(read_lines(first.path)[0]), 1);
    ASSERT_EQ(read_lines(second.path).size(), 1u);
    EXPECT_EQ(seq_of(read_lines(second.path)[0]), 2);
}

TEST_F(RecordSink, AcceptsWritesFromManyThreads) {
    const auto c = settings("out.jsonl", 4096, 1000);
    constexpr int threads = 4;
    constexpr int per_thread = 2000;
    {
        record_sink sink(c);
        std::vector<std::thread> writers;
        for (int t = 0; t < threads; ++t) {
            writers.emplace_back([&sink, t] {
                for (int i = 0; i < per_thread; ++i) {
                    sink.write(line_for(t * per_thread + i));
                }
            });
        }
        for (auto& w : writers) {
            w.join();
        }
        sink.flush(10s);
        EXPECT_EQ(sink.written(), static_cast<std::uint64_t>(threads * per_thread));
    }
    std::vector<bool> seen(threads * per_thread, false);
    for (const auto& entry : fs::directory_iterator(dir_)) {
        for (const auto& line : read_lines(entry.path())) {
            seen.at(seq_of(line)) = true;
        }
    }
    EXPECT_EQ(std::count(seen.begin(), seen.end(), true), threads * per_thread);
}

}  // namespace
}  // namespace shadowproxy::logsink
