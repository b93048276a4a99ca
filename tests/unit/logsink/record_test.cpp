#include "shadowproxy/logsink/record.hpp"

#include <gtest/gtest.h>

#include "common/regex_pattern.hpp"

namespace shadowproxy::logsink {

using shadowproxy::test_support::regex_pattern;

namespace {

using json = nlohmann::json;
using compare::exchange_error;
using compare::side_response;

// 2026-11-21T23:59:59.123456Z
std::chrono::system_clock::time_point spec_time() {
    using namespace std::chrono;
    return sys_days{year{2026} / November / 21} + hours{23} + minutes{59} + seconds{59} +
           microseconds{123456};
}

struct fixture {
    side_response production{std::nullopt, 200, R"({"prediction":1,"p":0.9})", 3.21};
    side_response shadow{std::nullopt, 200, R"({"prediction":0,"p":0.9})", 4.87};
    compare::comparison result;
    config::log_config settings;

    fixture() {
        result = compare::comparator(config::compare_config{}).compare(production, shadow);
    }

    record_fields fields() const {
        record_fields f;
        f.ts = spec_time();
        f.request_id = "7f1c";
        f.method = "POST";
        f.path = "/predict";
        f.production_name = "model-v1";
        f.shadow_name = "model-v2";
        f.production = &production;
        f.shadow = &shadow;
        f.queue_ms = 0.05;
        f.result = &result;
        f.request_body = R"({"features":[1,2]})";
        return f;
    }
};

// Parses one line strictly (nlohmann rejects invalid UTF-8) and checks it is a single line.
json parse_line(const std::string& line) {
    EXPECT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    return json::parse(line);
}

std::vector<std::string> keys(const nlohmann::ordered_json& object) {
    std::vector<std::string> names;
    for (const auto& item : object.items()) {
        names.push_back(item.key());
    }
    return names;
}

TEST(Record, WritesTheSpecExampleInOrder) {
    const fixture f;
    const std::string line = format_record(f.fields(), f.settings);
    parse_line(line);
    const auto record = nlohmann::ordered_json::parse(line);
    EXPECT_EQ(keys(record),
              (std::vector<std::string>{"ts", "request_id", "method", "path", "production",
                                        "shadow", "outcome", "prediction_match", "status_match",
                                        "body_match", "diffs"}));
    EXPECT_EQ(keys(record["production"]),
              (std::vector<std::string>{"name", "status", "latency_ms", "ttfb_ms", "bytes", "error",
                                        "prediction"}));
    EXPECT_EQ(keys(record["shadow"]),
              (std::vector<std::string>{"name", "status", "latency_ms", "ttfb_ms", "queue_ms",
                                        "bytes", "error", "prediction"}));
    EXPECT_EQ(record["ts"], "2026-11-21T23:59:59.123456Z");
    EXPECT_EQ(record["request_id"], "7f1c");
    EXPECT_EQ(record["method"], "POST");
    EXPECT_EQ(record["path"], "/predict");
    EXPECT_EQ(record["production"]["name"], "model-v1");
    EXPECT_EQ(record["production"]["status"], 200);
    EXPECT_EQ(record["production"]["latency_ms"], 3.21);
    EXPECT_EQ(record["production"]["bytes"], f.production.body.size());
    EXPECT_TRUE(record["production"]["error"].is_null());
    EXPECT_EQ(record["production"]["prediction"], 1);
    EXPECT_EQ(record["shadow"]["latency_ms"], 4.87);
    EXPECT_EQ(record["shadow"]["queue_ms"], 0.05);
    EXPECT_EQ(record["shadow"]["prediction"], 0);
    EXPECT_EQ(record["outcome"], "prediction_mismatch");
    EXPECT_EQ(record["prediction_match"], false);
    EXPECT_EQ(record["status_match"], true);
    EXPECT_EQ(record["body_match"], false);
    EXPECT_EQ(json::parse(record["diffs"].dump()),
              json::parse(R"([{"pointer":"/prediction","production":1,"shadow":0}])"));
}

TEST(Record, TruncatedSideKeepsFullLengthAndNullBodyMatch) {
    fixture f;
    f.production.truncated = true;
    f.production.bytes = 5000000;
    f.production.ttfb_ms = 1.25;
    f.result = compare::comparator(config::compare_config{}).compare(f.production, f.shadow);
    const auto record = parse_line(format_record(f.fields(), f.settings));
    EXPECT_EQ(record["production"]["bytes"], 5000000);
    EXPECT_EQ(record["production"]["truncated"], true);
    EXPECT_EQ(record["production"]["ttfb_ms"], 1.25);
    EXPECT_FALSE(record["shadow"].contains("truncated"));
    EXPECT_TRUE(record["body_match"].is_null());
    EXPECT_EQ(record["diffs"], json::array());
}

TEST(Record, FormatsTimestampsAsRfc3339Microseconds) {
    fixture f;
    auto fields = f.fields();
    const regex_pattern rfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)");
    for (auto ts : {std::chrono::system_clock::time_point{}, std::chrono::system_clock::now(),
                    spec_time() + std::chrono::nanoseconds(999)}) {
        fields.ts = ts;
        const auto text = parse_line(format_record(fields, f.settings))["ts"].get<std::string>();
        EXPECT_TRUE(rfc3339.matches(text)) << text;
    }
    fields.ts = std::chrono::system_clock::time_point{};
    EXPECT_EQ(parse_line(format_record(fields, f.settings))["ts"], "1970-01-01T00:00:00.000000Z");
}

TEST(Record, RoundsLatenciesToMicroseconds) {
    struct row {
        double in, out;
    };
    for (const auto& r : std::vector<row>{
             {3.2104999, 3.21}, {1.23456, 1.235}, {0, 0}, {0.0004, 0}, {1234.5678, 1234.568}}) {
        fixture f;
        f.production.latency_ms = r.in;
        const auto record = parse_line(format_record(f.fields(), f.settings));
        EXPECT_EQ(record["production"]["latency_ms"].get<double>(), r.out) << r.in;
    }
}

TEST(Record, FailedSideHasNullStatusAndTheErrorWord) {
    fixture f;
    f.shadow = {exchange_error::timeout, 0, {}, 5000};
    f.result = compare::comparator(config::compare_config{}).compare(f.production, f.shadow);
    const auto record = parse_line(format_record(f.fields(), f.settings));
    EXPECT_TRUE(record["shadow"]["status"].is_null());
    EXPECT_EQ(record["shadow"]["error"], "timeout");
    EXPECT_EQ(record["shadow"]["bytes"], 0);
    EXPECT_TRUE(record["shadow"]["prediction"].is_null());
    EXPECT_EQ(record["outcome"], "shadow_error");
    EXPECT_EQ(record["diffs"], json::array());
    EXPECT_EQ(record["production"]["prediction"], 1);
}

TEST(Record, EscapesControlCharactersAndReplacesInvalidUtf8) {
    fixture f;
    const std::string bad_body =
        std::string("\xff\xfe oops \xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80") +
        "\n\"quoted\"\t\x01 caf\xc3\xa9 \xf0\x9f\x98\x80";
    f.shadow.body = bad_body;
    f.result = compare::comparator(config::compare_config{}).compare(f.production, f.shadow);
    f.settings.include_bodies = true;
    auto fields = f.fields();
    fields.request_id = "id\nwith\rcontrol\x1f";
    fields.path = "/p\xc3";
    const auto record = parse_line(format_record(fields, f.settings));
    EXPECT_EQ(record["request_id"], "id\nwith\rcontrol\x1f");
    EXPECT_EQ(record["path"], "/p\xef\xbf\xbd");
    const std::string body = record["shadow"]["body"].get<std::string>();
    EXPECT_EQ(body.rfind("\xef\xbf\xbd\xef\xbf\xbd oops \xef\xbf\xbd(", 0), 0u) << body;
    EXPECT_NE(body.find("caf\xc3\xa9 \xf0\x9f\x98\x80"), std::string::npos);
    EXPECT_NE(body.find("\n\"quoted\"\t\x01"), std::string::npos);
    EXPECT_EQ(record["diffs"][0]["pointer"], "");
    EXPECT_TRUE(record["diffs"][0]["shadow"].is_string());
}

// Strings are copied in runs found sixteen bytes at a time: every ASCII byte, a two-byte UTF-8
// character and an invalid byte, at every position of a 40-byte id, come out as they should.
TEST(Record, EscapesEveryByteAtEveryPositionOfALongString) {
    fixture f;
    auto fields = f.fields();
    for (std::size_t at = 0; at < 40; ++at) {
        for (int c = 0; c < 0x80; ++c) {
            std::string id(40, 'i');
            id[at] = static_cast<char>(c);
            fields.request_id = id;
            const std::string line = format_record(fields, f.settings);
            EXPECT_EQ(line.find('\n'), line.size() - 1) << at << " " << c;
            ASSERT_EQ(parse_line(line)["request_id"], id) << at << " " << c;
        }
        const std::string plain(40, 'i');
        const std::string accented = plain.substr(0, at) + "\xc3\xa9" + plain.substr(at);
        fields.request_id = accented;
        EXPECT_EQ(parse_line(format_record(fields, f.settings))["request_id"], accented) << at;
        const std::string invalid = plain.substr(0, at) + "\xff" + plain.substr(at);
        fields.request_id = invalid;
        EXPECT_EQ(parse_line(format_record(fields, f.settings))["request_id"],
                  plain.substr(0, at) + "\xef\xbf\xbd" + plain.substr(at))
            << at;
    }
}

TEST(Record, IncludesBodiesWithTruncationFlags) {
    fixture f;
    f.settings.include_bodies = true;
    f.settings.body_limit_bytes = 30;
    const std::string long_text(100, 'x');
    f.shadow.body = long_text;
    f.result = compare::comparator(config::compare_config{}).compare(f.production, f.shadow);
    auto fields = f.fields();
    fields.request_body = "plain text request";
    const std::string line = format_record(fields, f.settings);
    const auto ordered = nlohmann::ordered_json::parse(line);
    EXPECT_EQ(keys(ordered["production"]).back(), "truncated");
    EXPECT_EQ(keys(ordered).back(), "truncated");
    const auto record = parse_line(line);
    EXPECT_EQ(record["production"]["body"], json::parse(f.production.body));
    EXPECT_EQ(record["production"]["truncated"], false);
    EXPECT_EQ(record["shadow"]["body"], std::string(30, 'x'));
    EXPECT_EQ(record["shadow"]["truncated"], true);
    EXPECT_EQ(record["request_body"], "plain text request");
    EXPECT_EQ(record["request_body_truncated"], false);
    EXPECT_EQ(record["truncated"], true);  // the shadow's body was cut

    fields.request_body = R"({"features":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]})";
    const auto cut = parse_line(format_record(fields, f.settings));
    EXPECT_EQ(cut["request_body"], fields.request_body.substr(0, 30));
    EXPECT_EQ(cut["request_body_truncated"], true);
}

TEST(Record, LeavesBodiesOutByDefault) {
    const fixture f;
    const auto record = parse_line(format_record(f.fields(), f.settings));
    EXPECT_FALSE(record.contains("request_body"));
    EXPECT_FALSE(record["production"].contains("body"));
    EXPECT_FALSE(record["shadow"].contains("body"));
}

TEST(Record, WritesFeaturesWhenGiven) {
    const fixture f;
    auto fields = f.fields();
    const json features = json::parse(R"([1, null, "x"])");
    fields.features = &features;
    fields.features_truncated = true;
    const std::string line = format_record(fields, f.settings);
    const auto record = parse_line(line);
    EXPECT_EQ(record["features"], features);
    EXPECT_EQ(record["features_truncated"], true);
    EXPECT_EQ(keys(nlohmann::ordered_json::parse(line)).back(), "features_truncated");

    const json absent;
    fields.features = &absent;
    fields.features_truncated = false;
    const auto without = parse_line(format_record(fields, f.settings));
    EXPECT_TRUE(without.contains("features"));
    EXPECT_TRUE(without["features"].is_null());
}

TEST(Record, WritesMissingMarkersInDiffs) {
    fixture f;
    f.production.body = R"({"a":1})";
    f.shadow.body = R"({"b":2})";
    f.result = compare::comparator(config::compare_config{}).compare(f.production, f.shadow);
    const auto record = parse_line(format_record(f.fields(), f.settings));
    EXPECT_EQ(record["diffs"], json::parse(R"([
        {"pointer":"/a","production":1,"shadow":null,"missing":"shadow"},
        {"pointer":"/b","production":null,"shadow":2,"missing":"production"}])"));
}

TEST(Record, DiffValuesOffKeepsPointersTypesAndMissingOnly) {
    fixture f;
    f.settings.diff_values = false;
    f.production.body = R"({"a":1,"c":"secret-p","prediction":1})";
    f.shadow.body = R"({"b":[2],"c":"secret-s","prediction":1})";
    f.result = compare::comparator(config::compare_config{}).compare(f.production, f.shadow);
    const std::string line = format_record(f.fields(), f.settings);
    const auto record = parse_line(line);
    EXPECT_EQ(record["diffs"], json::parse(R"([
        {"pointer":"/a","production_type":"number","shadow_type":null,"missing":"shadow"},
        {"pointer":"/b","production_type":null,"shadow_type":"array","missing":"production"},
        {"pointer":"/c","production_type":"string","shadow_type":"string"}])"));
    EXPECT_EQ(line.find("secret"), std::string::npos);
}

TEST(Record, SurvivesMissingPointersAndDeepBodies) {
    fixture f;
    f.settings.include_bodies = true;
    f.settings.body_limit_bytes = 1 << 20;
    const std::string deep = std::string(5000, '[') + std::string(5000, ']');
    f.production.body = deep;
    auto fields = f.fields();
    fields.result = nullptr;
    fields.shadow = nullptr;
    const auto record = parse_line(format_record(fields, f.settings));
    EXPECT_TRUE(record["production"]["body"].is_string());
    EXPECT_EQ(record["shadow"]["status"], 0);
    EXPECT_EQ(record["outcome"], "match");
}

TEST(Record, RedactsHeadersCaseInsensitively) {
    const config::log_config settings;
    EXPECT_TRUE(is_redacted("Authorization", settings));
    EXPECT_TRUE(is_redacted("COOKIE", settings));
    EXPECT_TRUE(is_redacted("x-api-key", settings));
    EXPECT_FALSE(is_redacted("content-type", settings));
    EXPECT_FALSE(is_redacted("authorizatio", settings));
}

}  // namespace
}  // namespace shadowproxy::logsink
