#include "shadowproxy/net/field_list.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shadowproxy::net {
namespace {

TEST(FieldList, KeepsOrderSpellingAndDuplicates) {
    field_list fields;
    fields.add("Content-Type", "application/json");
    fields.add("Set-Cookie", "a=1");
    fields.add("set-cookie", "b=2");
    std::vector<std::string> seen;
    for (const auto [name, value] : fields) {
        seen.push_back(std::string{name} + "=" + std::string{value});
    }
    const std::vector<std::string> expected{"Content-Type=application/json", "Set-Cookie=a=1",
                                            "set-cookie=b=2"};
    EXPECT_EQ(seen, expected);
    EXPECT_EQ(fields.size(), 3U);
}

TEST(FieldList, LooksUpCaseInsensitivelyFirstMatch) {
    field_list fields;
    fields.add("X-Thing", "first");
    fields.add("x-thing", "second");
    fields.add("Empty", "");
    EXPECT_EQ(fields["x-THING"], "first");
    EXPECT_TRUE(fields.contains("empty"));
    EXPECT_EQ(fields.find("Empty"), std::string_view{});
    EXPECT_FALSE(fields.find("X-Thin").has_value());
    EXPECT_EQ(fields["missing"], "");
}

TEST(FieldList, CopiesFieldsReadFromOneBuffer) {
    const std::string line = "Content-Type: application/json";
    const std::string_view view = line;
    field_list fields;
    fields.add(view.substr(0, 12), view.substr(14));
    fields.add(view.substr(14), view.substr(0, 12));  // value before name: copied apart
    fields.add(view.substr(0, 7), "");
    EXPECT_EQ(fields.at(0).name, "Content-Type");
    EXPECT_EQ(fields.at(0).value, "application/json");
    EXPECT_EQ(fields.at(1).name, "application/json");
    EXPECT_EQ(fields.at(1).value, "Content-Type");
    EXPECT_EQ(fields.at(2).name, "Content");
    EXPECT_EQ(fields.at(2).value, "");
}

TEST(FieldList, ErasesEveryFieldOfAName) {
    field_list fields;
    fields.add("Host", "a");
    fields.add("X-A", "1");
    fields.add("host", "b");
    fields.erase("HOST");
    ASSERT_EQ(fields.size(), 1U);
    EXPECT_EQ(fields.at(0).name, "X-A");
    fields.add("Host", "c");
    EXPECT_EQ(fields["host"], "c");
}

TEST(FieldList, GrowsPastItsInlineRoomAndClears) {
    field_list fields;
    const std::string big(3000, 'v');
    for (int i = 0; i < 100; ++i) {
        fields.add("Name-" + std::to_string(i), i == 50 ? big : std::to_string(i));
    }
    EXPECT_EQ(fields.size(), 100U);
    EXPECT_EQ(fields["name-50"], big);
    EXPECT_EQ(fields["NAME-99"], "99");
    EXPECT_EQ(fields.at(0).name, "Name-0");
    fields.clear();
    EXPECT_TRUE(fields.empty());
    EXPECT_FALSE(fields.contains("name-1"));
}

TEST(FieldList, FindIgnoresAsciiCaseOnly) {
    field_list fields;
    fields.add("Content-Length", "1");
    fields.add("a[", "2");
    EXPECT_TRUE(fields.contains("content-length"));
    EXPECT_FALSE(fields.contains("content-lengt"));
    EXPECT_FALSE(fields.contains("A{"));  // '[' and '{' differ by 0x20 but are not letters
}

}  // namespace
}  // namespace shadowproxy::net
