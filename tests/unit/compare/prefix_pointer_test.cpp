#include "shadowproxy/compare/prefix_pointer.hpp"

#include <gtest/gtest.h>

namespace shadowproxy::compare {
namespace {

using json = nlohmann::json;

std::optional<json> find(std::string_view prefix, std::string_view pointer) {
    return find_in_prefix(prefix, *json_pointer::parse(pointer));
}

TEST(PrefixPointer, FindsCompleteValuesBeforeTheCut) {
    EXPECT_EQ(find(R"({"a":1,"prediction":"cat","blob":"xxxx)", "/prediction"), json("cat"));
    EXPECT_EQ(find(R"({"p":{"q":[10,{"r":true}]},"blob":[1,2)", "/p/q/1/r"), json(true));
    EXPECT_EQ(find(R"({"p":{"q":[10,{"r":[1,{"s":null}]}]},"z)", "/p/q/1"),
              json::parse(R"({"r":[1,{"s":null}]})"));
    EXPECT_EQ(find(R"({"p":1.5,"q":2})", "/p"), json(1.5));
    EXPECT_EQ(find(R"({"p":15, "blob)", "/p"), json(15));
    EXPECT_EQ(find(R"([0,1,2,3)", "/2"), json(2));
    EXPECT_EQ(find("42", ""), json(42));
    EXPECT_EQ(find(R"({"a~b":{"c/d":5},)", "/a~0b/c~1d"), json(5));
}

TEST(PrefixPointer, CutOrAbsentValuesAreNotThere) {
    EXPECT_FALSE(find(R"({"prediction":0.12)", "/prediction"));     // may continue: 0.125
    EXPECT_FALSE(find(R"({"prediction":12, "x1)", "/prediction"));  // conservative
    EXPECT_FALSE(find(R"({"prediction":"ca)", "/prediction"));
    EXPECT_FALSE(find(R"({"prediction":[1,2)", "/prediction"));
    EXPECT_FALSE(find(R"({"prediction":{"a":1)", "/prediction"));
    EXPECT_FALSE(find(R"({"other":1,"blob":"xxx)", "/prediction"));
    EXPECT_FALSE(find(R"({"x":{"prediction":1},"y)", "/prediction"));
    EXPECT_FALSE(find(R"([0,1)", "/5"));
    EXPECT_FALSE(find(R"(not json)", "/prediction"));
    EXPECT_FALSE(find("", ""));
    EXPECT_FALSE(find(R"({"a":1)", ""));
}

}  // namespace
}  // namespace shadowproxy::compare
