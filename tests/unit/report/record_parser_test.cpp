#include "shadowproxy/report/record_parser.hpp"

#include <gtest/gtest.h>

namespace shadowproxy::report {
namespace {

constexpr const char* full_record =
    R"({"ts":"2026-11-21T23:59:59.123456Z","request_id":"r1","method":"POST","path":"/predict",)"
    R"("production":{"name":"model-v1","status":200,"latency_ms":3.21,"bytes":57,"error":null,"prediction":1},)"
    R"("shadow":{"name":"model-v2","status":200,"latency_ms":4.87,"queue_ms":0.05,"bytes":57,"error":null,"prediction":0},)"
    R"("outcome":"prediction_mismatch","prediction_match":false,"status_match":true,"body_match":false,)"
    R"("diffs":[{"pointer":"/prediction","production":1,"shadow":0}],"features":[1.5,null,"x"]})";

TEST(RecordParser, ReadsTheFieldsOfASpecRecord) {
    record_parser parser;
    parsed_record r;
    ASSERT_TRUE(parser.parse(full_record, r)) << parser.error();
    EXPECT_EQ(r.request_id, "r1");
    EXPECT_EQ(r.shadow_name, "model-v2");
    EXPECT_EQ(r.result, stats::outcome::prediction_mismatch);
    EXPECT_EQ(r.production.prediction_key, "1");
    EXPECT_EQ(r.shadow.prediction_key, "0");
    EXPECT_DOUBLE_EQ(*r.production.latency_ms, 3.21);
    EXPECT_DOUBLE_EQ(*r.shadow.latency_ms, 4.87);
    EXPECT_FALSE(r.shadow.has_error);
    ASSERT_EQ(r.form, parsed_record::features_form::array);
    ASSERT_EQ(r.features.size(), 3U);
    EXPECT_EQ(r.features[0].kind, stats::feature_kind::number);
    EXPECT_DOUBLE_EQ(r.features[0].value, 1.5);
    EXPECT_EQ(r.features[1].kind, stats::feature_kind::null);
    EXPECT_EQ(r.features[2].kind, stats::feature_kind::non_numeric);
    EXPECT_EQ(r.features[2].index, 2U);
}

TEST(RecordParser, ErrorsStructuredPredictionsAndObjectFeatures) {
    record_parser parser;
    parsed_record r;
    ASSERT_TRUE(parser.parse(
        R"({"request_id":"r2","outcome":"shadow_error","features_truncated":true,)"
        R"("production":{"latency_ms":1,"error":null,"prediction":{"b":[1.0],"a":"x"}},)"
        R"("shadow":{"name":"s","latency_ms":null,"error":"timeout","prediction":null},)"
        R"("features":{"age":30,"city":"Oslo","gone":null}})",
        r))
        << parser.error();
    EXPECT_EQ(r.production.prediction_key, R"({"a":"x","b":[1]})");
    EXPECT_TRUE(r.shadow.prediction_key.empty());
    EXPECT_TRUE(r.shadow.has_error);
    EXPECT_FALSE(r.shadow.latency_ms.has_value());
    EXPECT_TRUE(r.features_truncated);
    ASSERT_EQ(r.form, parsed_record::features_form::object);
    ASSERT_EQ(r.features.size(), 3U);
    EXPECT_EQ(r.features[1].name, "city");
    EXPECT_EQ(r.features[1].kind, stats::feature_kind::non_numeric);
}

TEST(RecordParser, FeaturesNullAndAbsentDiffer) {
    record_parser parser;
    parsed_record r;
    const std::string base = R"({"request_id":"r","outcome":"match","production":{},)"
                             R"("shadow":{"name":"s"})";
    ASSERT_TRUE(parser.parse(base + "}", r));
    EXPECT_EQ(r.form, parsed_record::features_form::absent);
    ASSERT_TRUE(parser.parse(base + R"(,"features":null})", r));
    EXPECT_EQ(r.form, parsed_record::features_form::null);
}

TEST(RecordParser, RejectsMalformedLines) {
    record_parser parser;
    parsed_record r;
    const std::string full = full_record;
    EXPECT_FALSE(parser.parse("not json", r));
    EXPECT_FALSE(parser.parse("[1,2]", r));
    EXPECT_FALSE(parser.parse(full.substr(0, full.size() / 2), r));  // a cut line
    EXPECT_FALSE(parser.parse(R"({"request_id":"r","outcome":"maybe","production":{},)"
                              R"("shadow":{"name":"s"}})",
                              r));
    EXPECT_NE(parser.error().find("outcome"), std::string::npos);
    EXPECT_FALSE(parser.parse(R"({"request_id":"r","outcome":"match","production":{},)"
                              R"("shadow":{}})",
                              r));
    EXPECT_FALSE(parser.parse(R"({"outcome":"match","production":{},"shadow":{"name":"s"}})", r));
    EXPECT_FALSE(parser.parse(R"({"request_id":"r","outcome":"match","shadow":{"name":"s"}})", r));
    EXPECT_FALSE(parser.parse(R"({"request_id":"r","outcome":"match","production":{},)"
                              R"("shadow":{"name":"s","latency_ms":"fast"}})",
                              r));
    // The parser recovers for the next line.
    EXPECT_TRUE(parser.parse(full_record, r));
}

}  // namespace
}  // namespace shadowproxy::report
