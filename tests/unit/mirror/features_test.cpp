// The feature vector a record carries (docs/report.md): src/mirror/features.cpp.
#include "shadowproxy/mirror/features.hpp"

#include <gtest/gtest.h>

#include <string>

namespace shadowproxy::mirror {
namespace {

config::features_config at(std::string pointer) {
    config::features_config settings;
    settings.pointer = std::move(pointer);
    return settings;
}

std::string array_body(std::size_t n) {
    nlohmann::json values = nlohmann::json::array();
    for (std::size_t i = 0; i < n; ++i) {
        values.push_back(i);
    }
    return nlohmann::json{{"features", values}}.dump();
}

TEST(MirrorFeatures, ArrayAtPointer) {
    const auto out = extract_features(R"({"features":[1,2.5,null,"x"]})", at("/features"));
    EXPECT_EQ(out.value, nlohmann::json::parse(R"([1,2.5,null,"x"])"));
    EXPECT_FALSE(out.truncated);
}

TEST(MirrorFeatures, ObjectAtNestedPointer) {
    const auto out =
        extract_features(R"({"input":{"f":{"age":31,"income":null}}})", at("/input/f"));
    EXPECT_EQ(out.value, nlohmann::json::parse(R"({"age":31,"income":null})"));
    EXPECT_FALSE(out.truncated);
}

TEST(MirrorFeatures, ExactlyTheLimitIsKeptWhole) {
    const auto out = extract_features(array_body(max_feature_elements), at("/features"));
    ASSERT_TRUE(out.value.is_array());
    EXPECT_EQ(out.value.size(), max_feature_elements);
    EXPECT_FALSE(out.truncated);
}

TEST(MirrorFeatures, LongArrayTruncatedToTheFirstElements) {
    const auto out = extract_features(array_body(300), at("/features"));
    ASSERT_TRUE(out.value.is_array());
    ASSERT_EQ(out.value.size(), 256U);
    EXPECT_EQ(out.value.front(), 0);
    EXPECT_EQ(out.value.back(), 255);
    EXPECT_TRUE(out.truncated);
}

TEST(MirrorFeatures, NullWhenAbsentNotJsonOrBadPointer) {
    for (const auto& [body, pointer] :
         std::vector<std::pair<std::string, std::string>>{{R"({"other":[1]})", "/features"},
                                                          {"not json at all", "/features"},
                                                          {"", "/features"},
                                                          {R"([1,2,3])", "/features"},
                                                          {R"({"features":[1]})", "features"}}) {
        const auto out = extract_features(body, at(pointer));
        EXPECT_TRUE(out.value.is_null()) << body << " at " << pointer;
        EXPECT_FALSE(out.truncated);
    }
}

}  // namespace
}  // namespace shadowproxy::mirror
