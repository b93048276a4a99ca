#include "shadowproxy/stats/prediction_key.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace shadowproxy::stats {
namespace {

std::string from_raw(std::string_view raw) {
    std::string key;
    EXPECT_TRUE(prediction_key_from_raw(raw, key)) << raw;
    return key;
}

TEST(PredictionKey, NumbersAndStringsDiffer) {
    EXPECT_EQ(prediction_key(nlohmann::json(1)), "1");
    EXPECT_EQ(prediction_key(nlohmann::json("1")), "\"1\"");
    EXPECT_EQ(prediction_key(nlohmann::json(nullptr)), "");
}

TEST(PredictionKey, IntegralFloatsEqualIntegers) {
    EXPECT_EQ(prediction_key(nlohmann::json(1.0)), "1");
    EXPECT_EQ(from_raw("1.0"), "1");
    EXPECT_EQ(from_raw("-0"), "0");
    EXPECT_EQ(from_raw("0.5"), "0.5");
    EXPECT_EQ(from_raw("[1.0, 2]"), "[1,2]");
}

TEST(PredictionKey, RawTextIsCanonicalised) {
    EXPECT_EQ(from_raw(" 42 "), "42");
    EXPECT_EQ(from_raw("\"cat\""), "\"cat\"");
    EXPECT_EQ(from_raw("\"\\u0041\""), "\"A\"");
    EXPECT_EQ(from_raw("{\"b\": 1, \"a\": 2.0}"), "{\"a\":2,\"b\":1}");
    EXPECT_EQ(from_raw("true"), "true");
    EXPECT_EQ(from_raw("null"), "");
    std::string key;
    EXPECT_FALSE(prediction_key_from_raw("nope", key));
}

TEST(DisplayLabel, StringsShownRawUnlessAmbiguous) {
    EXPECT_EQ(display_label("1"), "1");
    EXPECT_EQ(display_label("\"cat\""), "cat");
    EXPECT_EQ(display_label("\"1\""), "\"1\"");
    EXPECT_EQ(display_label("\"true\""), "\"true\"");
    EXPECT_EQ(display_label("\"other\""), "\"other\"");
    EXPECT_EQ(display_label("\"\""), "\"\"");
    EXPECT_EQ(display_label("[1,2]"), "[1,2]");
}

}  // namespace
}  // namespace shadowproxy::stats
