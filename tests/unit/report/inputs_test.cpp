#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "shadowproxy/report/csv_inputs.hpp"
#include "shadowproxy/report/line_reader.hpp"
#include "test_files.hpp"

namespace shadowproxy::report {
namespace {

using testing::temp_dir;

std::vector<std::string> read_all(const std::string& path) {
    line_reader reader(path);
    std::vector<std::string> lines;
    std::string_view line;
    while (reader.next(line)) {
        lines.emplace_back(line);
    }
    return lines;
}

TEST(LineReader, PlainGzipCrlfAndMissingNewline) {
    temp_dir dir;
    const std::vector<std::string> expected{"a", "", "b", "last"};
    EXPECT_EQ(read_all(dir.write("plain.jsonl", "a\n\r\nb\r\nlast")), expected);
    EXPECT_EQ(read_all(dir.write_gz("log.jsonl.gz", "a\n\nb\nlast\n")), expected);
}

TEST(LineReader, LinesLongerThanTheBuffer) {
    temp_dir dir;
    const std::string big(3 << 20, 'x');
    const auto lines = read_all(dir.write("big.jsonl", "short\n" + big + "\nend\n"));
    ASSERT_EQ(lines.size(), 3U);
    EXPECT_EQ(lines[1], big);
    EXPECT_EQ(lines[2], "end");
}

std::string message_of(const std::string& path) {
    try {
        read_all(path);
    } catch (const read_error& e) {
        return e.what();
    }
    return "no error";
}

std::string bytes_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(LineReader, TruncatedGzipNamesTheFileAndOffset) {
    temp_dir dir;
    std::string content;
    for (int i = 0; i < 2000; ++i) {
        content += "{\"request_id\": \"r" + std::to_string(i) +
                   "\", \"x\": " + std::to_string(i * 7919 % 1000) + "}\n";
    }
    const auto whole = bytes_of(dir.write_gz("whole.gz", content));
    const auto cut = dir.write("cut.jsonl.gz", whole.substr(0, whole.size() / 2));
    const auto message = message_of(cut);
    EXPECT_NE(message.find("cut.jsonl.gz"), std::string::npos) << message;
    EXPECT_NE(message.find("truncated"), std::string::npos) << message;
    EXPECT_NE(message.find("offset"), std::string::npos) << message;

    std::string corrupt = whole;
    for (std::size_t i = 100; i < 140; ++i) {
        corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
    }
    const auto bad = message_of(dir.write("bad.gz", corrupt));
    EXPECT_NE(bad.find("bad.gz"), std::string::npos) << bad;
    EXPECT_NE(bad.find("offset"), std::string::npos) << bad;
}

TEST(LineReader, MissingFileNamesIt) {
    try {
        line_reader reader("/nonexistent/x.jsonl");
        FAIL() << "expected read_error";
    } catch (const read_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/x.jsonl"), std::string::npos);
    }
}

TEST(SplitCsvLine, Quoting) {
    std::vector<std::string> fields;
    ASSERT_TRUE(split_csv_line(R"(a,"b,c","say ""hi""",)", fields));
    EXPECT_EQ(fields, (std::vector<std::string>{"a", "b,c", "say \"hi\"", ""}));
    EXPECT_FALSE(split_csv_line(R"(a,"open)", fields));
    EXPECT_FALSE(split_csv_line(R"(a,"b"c)", fields));
}

TEST(LoadLabels, JsonValuesOrText) {
    temp_dir dir;
    const auto table = load_labels(dir.write(
        "labels.csv", "request_id,label\nr1,2\nr2,cat\nr3,\"\"\"dog\"\"\"\nr4, 1.0 \nr1,3\n"));
    ASSERT_EQ(table.keys.size(), 4U);
    EXPECT_EQ(table.keys[table.index.at("r1")], "3");  // the last label wins
    EXPECT_EQ(table.keys[table.index.at("r2")], "\"cat\"");
    EXPECT_EQ(table.keys[table.index.at("r3")], "\"dog\"");
    EXPECT_EQ(table.keys[table.index.at("r4")], "1");
}

TEST(LoadLabels, HeaderRequired) {
    temp_dir dir;
    EXPECT_THROW(load_labels(dir.write("bad.csv", "id,label\nr1,2\n")), read_error);
    EXPECT_THROW(load_labels(dir.write("empty.csv", "")), read_error);
    EXPECT_THROW(load_labels(dir.write("short.csv", "request_id,label\nr1\n")), read_error);
}

TEST(LoadLabels, CustomColumnsAndExtraColumns) {
    temp_dir dir;
    const auto path = dir.write("truth.csv", "id,score,target\nr1,0.3,2\nr2,0.9,cat\n");
    const auto table = load_labels(path, "id", "target");
    ASSERT_EQ(table.keys.size(), 2U);
    EXPECT_EQ(table.keys[table.index.at("r1")], "2");
    EXPECT_EQ(table.keys[table.index.at("r2")], "\"cat\"");
    try {
        load_labels(path);
        FAIL() << "expected read_error";
    } catch (const read_error& e) {
        EXPECT_NE(std::string(e.what()).find("\"request_id\""), std::string::npos) << e.what();
    }
}

TEST(BuildBaseline, BinsEachFeatureAndSkipsTheLabel) {
    temp_dir dir;
    std::string csv = "age,label,income\n";
    for (int i = 1; i <= 20; ++i) {
        csv += std::to_string(i) + ",yes," + (i % 2 == 0 ? "" : std::to_string(i * 100)) + "\n";
    }
    const auto base = build_baseline(dir.write("train.csv", csv), "label");
    EXPECT_EQ(base.rows, 20U);
    ASSERT_EQ(base.features.size(), 2U);
    EXPECT_EQ(base.features[0].name, "age");
    EXPECT_EQ(base.features[0].edges.size(), 11U);
    EXPECT_EQ(base.features[1].name, "income");
    double total = 0;
    for (const double s : base.features[1].shares) {
        total += s;
    }
    EXPECT_NEAR(total, 1.0, 1e-12);
}

TEST(BuildBaseline, ClearErrors) {
    temp_dir dir;
    auto message = [](const std::string& path, const std::string& label) {
        try {
            build_baseline(path, label);
        } catch (const read_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message(dir.write("empty.csv", ""), "").find("empty"), std::string::npos);
    const auto bad = message(dir.write("bad.csv", "a,b\n1,2\n3,x\n"), "");
    EXPECT_NE(bad.find("\"b\""), std::string::npos) << bad;
    EXPECT_NE(bad.find("line 3"), std::string::npos) << bad;
    EXPECT_NE(message(dir.write("rows.csv", "a,b\n"), "").find("no data rows"), std::string::npos);
    EXPECT_NE(message(dir.write("label.csv", "a\n1\n"), "y").find("\"y\""), std::string::npos);
    EXPECT_NE(message(dir.write("width.csv", "a,b\n1\n"), "").find("line 2"), std::string::npos);
}

}  // namespace
}  // namespace shadowproxy::report
