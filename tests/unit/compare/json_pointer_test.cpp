#include "shadowproxy/compare/json_pointer.hpp"

#include <gtest/gtest.h>

namespace shadowproxy::compare {
namespace {

using json = nlohmann::json;

TEST(JsonPointer, ParsesValidAndRejectsBadSyntax) {
    struct row {
        const char* text;
        bool valid;
        std::vector<std::string> tokens;
    };
    const std::vector<row> rows{
        {"", true, {}},           {"/", true, {""}},
        {"/a", true, {"a"}},      {"/a/b/0", true, {"a", "b", "0"}},
        {"/a~0b", true, {"a~b"}}, {"/a~1b", true, {"a/b"}},
        {"/~01", true, {"~1"}},   {"/~10", true, {"/0"}},
        {"//", true, {"", ""}},   {"a", false, {}},
        {"a/b", false, {}},       {"/~", false, {}},
        {"/a~", false, {}},       {"/~2", false, {}},
        {"/a~b", false, {}},
    };
    for (const auto& r : rows) {
        auto pointer = json_pointer::parse(r.text);
        ASSERT_EQ(pointer.has_value(), r.valid) << r.text;
        if (pointer) {
            EXPECT_EQ(pointer->tokens(), r.tokens) << r.text;
            EXPECT_EQ(pointer->str(), r.text);
        }
    }
}

TEST(JsonPointer, FindsValuesAndTreatsAnythingElseAsAbsent) {
    const json doc = json::parse(R"({"a/b": 1, "m~n": 2, "arr": [10, 20, {"x": 3}], "": 4,
                                     "nested": {"k": null}, "s": "text"})");
    struct row {
        const char* pointer;
        std::optional<json> expected;  // nullopt: absent
    };
    const std::vector<row> rows{
        {"/a~1b", json(1)},
        {"/m~0n", json(2)},
        {"/arr/0", json(10)},
        {"/arr/2/x", json(3)},
        {"/", json(4)},
        {"/nested/k", json(nullptr)},
        {"/arr/01", std::nullopt},
        {"/arr/3", std::nullopt},
        {"/arr/-", std::nullopt},
        {"/arr/x", std::nullopt},
        {"/arr/-1", std::nullopt},
        {"/arr/99999999999999999999999", std::nullopt},
        {"/s/0", std::nullopt},
        {"/a~1b/x", std::nullopt},
        {"/missing", std::nullopt},
        {"/a/b", std::nullopt},
    };
    for (const auto& r : rows) {
        const json* found = json_pointer::parse(r.pointer)->find(doc);
        ASSERT_EQ(found != nullptr, r.expected.has_value()) << r.pointer;
        if (found != nullptr) {
            EXPECT_EQ(*found, *r.expected) << r.pointer;
        }
    }
    EXPECT_EQ(json_pointer::parse("")->find(doc), &doc);
}

TEST(JsonPointer, ErasesNestedKeysAndArrayElements) {
    json doc = json::parse(R"({"meta": {"latency_ms": 3, "keep": 1}, "arr": [1, 2, 3]})");
    EXPECT_TRUE(json_pointer::parse("/meta/latency_ms")->erase(doc));
    EXPECT_TRUE(json_pointer::parse("/arr/1")->erase(doc));
    EXPECT_FALSE(json_pointer::parse("/meta/latency_ms")->erase(doc));
    EXPECT_FALSE(json_pointer::parse("/arr/5")->erase(doc));
    EXPECT_FALSE(json_pointer::parse("/nothing/here")->erase(doc));
    EXPECT_FALSE(json_pointer::parse("/meta/keep/deeper")->erase(doc));
    EXPECT_EQ(doc, json::parse(R"({"meta": {"keep": 1}, "arr": [1, 3]})"));
    EXPECT_TRUE(json_pointer::parse("")->erase(doc));
    EXPECT_TRUE(doc.is_null());
}

TEST(JsonPointer, EscapesTokensSoTheyParseBack) {
    EXPECT_EQ(json_pointer::escape("a~b/c"), "a~0b~1c");
    EXPECT_EQ(json_pointer::escape("~1"), "~01");
    for (const std::string token : {"plain", "a/b", "~", "~/~1", ""}) {
        auto pointer = json_pointer::parse("/" + json_pointer::escape(token));
        ASSERT_TRUE(pointer.has_value()) << token;
        EXPECT_EQ(pointer->tokens(), std::vector<std::string>{token});
    }
}

}  // namespace
}  // namespace shadowproxy::compare
