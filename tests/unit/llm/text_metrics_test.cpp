#include "shadowproxy/llm/text_metrics.hpp"

#include <gtest/gtest.h>

#include <string>

namespace shadowproxy::llm {
namespace {

constexpr std::size_t bound = 4096;

TEST(TextSimilarity, EmptyStrings) {
    EXPECT_DOUBLE_EQ(similarity("", "", bound).value, 1.0);
    EXPECT_DOUBLE_EQ(similarity("", "abc", bound).value, 0.0);
    EXPECT_DOUBLE_EQ(similarity("abc", "", bound).value, 0.0);
}

TEST(TextSimilarity, FixedPairs) {
    EXPECT_DOUBLE_EQ(similarity("kitten", "sitting", bound).value, 1.0 - 3.0 / 7.0);
    EXPECT_DOUBLE_EQ(similarity("flaw", "lawn", bound).value, 0.5);
    EXPECT_DOUBLE_EQ(similarity("same text", "same text", bound).value, 1.0);
    EXPECT_DOUBLE_EQ(similarity("abc", "xyz", bound).value, 0.0);
}

TEST(TextSimilarity, CountsCodePointsNotBytes) {
    // "é" is two bytes, one code point: one substitution over four code points.
    EXPECT_DOUBLE_EQ(similarity("caf\xc3\xa9", "cafe", bound).value, 0.75);
    // An emoji (four bytes) against a letter: one substitution over one code point.
    EXPECT_DOUBLE_EQ(similarity("\xf0\x9f\x98\x80", "a", bound).value, 0.0);
    EXPECT_DOUBLE_EQ(similarity("hi \xf0\x9f\x98\x80", "hi \xf0\x9f\x98\x81", bound).value, 0.75);
    EXPECT_EQ(code_points("\xf0\x9f\x98\x80\xe4\xb8\xad").size(), 2U);
}

TEST(TextSimilarity, InvalidUtf8IsOneCodePointPerBadByte) {
    EXPECT_EQ(code_points("a\xff\xfe").size(), 3U);
    EXPECT_DOUBLE_EQ(similarity("a\xff", "a\xfe", bound).value, 0.5);
}

TEST(TextSimilarity, PastTheBoundIsAConservativeEstimate) {
    std::string a(100, 'a');
    std::string b(100, 'b');
    const auto exact = similarity(a, b, bound);
    EXPECT_FALSE(exact.estimated);
    EXPECT_DOUBLE_EQ(exact.value, 0.0);
    // Common prefix and suffix are cut first: a long identical frame stays exact.
    const std::string frame(10000, 'x');
    const auto framed = similarity(frame + "ab" + frame, frame + "ac" + frame, 16);
    EXPECT_FALSE(framed.estimated);
    EXPECT_DOUBLE_EQ(framed.value, 1.0 - 1.0 / 20002.0);
    // Different middles longer than the bound: a lower bound of the similarity.
    std::string x;
    std::string y;
    for (int i = 0; i < 200; ++i) {
        x += "abcd";
        y += "abce";
    }
    const auto estimate = similarity(x, y, 64);
    const auto truth = similarity(x, y, bound);
    EXPECT_TRUE(estimate.estimated);
    EXPECT_FALSE(truth.estimated);
    EXPECT_LE(estimate.value, truth.value);
    EXPECT_DOUBLE_EQ(truth.value, 0.75);
}

TEST(TokenF1, FixedPairs) {
    EXPECT_DOUBLE_EQ(token_f1("", ""), 1.0);
    EXPECT_DOUBLE_EQ(token_f1("", "word"), 0.0);
    EXPECT_DOUBLE_EQ(token_f1("The cat sat.", "the CAT sat"), 1.0);
    // 2 common of 3 and 4 tokens: P = 2/4, R = 2/3, F1 = 4/7.
    EXPECT_DOUBLE_EQ(token_f1("a cat sat", "a dog sat down"), 4.0 / 7.0);
    EXPECT_DOUBLE_EQ(token_f1("...", "!!"), 1.0);  // no tokens on either side
    // Multiset: a repeated token counts as often as both sides have it.
    EXPECT_DOUBLE_EQ(token_f1("yes yes", "yes"), 2.0 * 1.0 * 0.5 / 1.5);
}

TEST(TokenF1, MultiByteTokens) {
    EXPECT_EQ(tokens("Grüße, Welt!").size(), 2U);
    EXPECT_EQ(tokens("Grüße, Welt!")[0], "grüße");
    EXPECT_DOUBLE_EQ(token_f1("\xf0\x9f\x98\x80 ok", "\xf0\x9f\x98\x80 ok"), 1.0);
    EXPECT_DOUBLE_EQ(token_f1("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x81"), 0.0);
}

TEST(LengthRatio, CodePoints) {
    EXPECT_EQ(length_ratio("", ""), 1.0);
    EXPECT_FALSE(length_ratio("", "a").has_value());
    EXPECT_EQ(length_ratio("ab", ""), 0.0);
    EXPECT_EQ(length_ratio("\xc3\xa9\xc3\xa9", "abcd"), 2.0);
}

}  // namespace
}  // namespace shadowproxy::llm
