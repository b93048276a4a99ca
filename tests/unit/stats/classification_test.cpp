#include "shadowproxy/stats/classification.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace shadowproxy::stats {
namespace {

TEST(McNemar, HandComputedExactPValues) {
    EXPECT_DOUBLE_EQ(mcnemar_exact_p(0, 0), 1.0);
    // n = 10, k = 1: 2 * (1 + 10) / 1024.
    EXPECT_NEAR(mcnemar_exact_p(1, 9), 22.0 / 1024.0, 1e-12);
    EXPECT_NEAR(mcnemar_exact_p(9, 1), 22.0 / 1024.0, 1e-12);
    // n = 15, k = 3: 2 * (1 + 15 + 105 + 455) / 32768.
    EXPECT_NEAR(mcnemar_exact_p(3, 12), 1152.0 / 32768.0, 1e-12);
    EXPECT_DOUBLE_EQ(mcnemar_exact_p(5, 5), 1.0);
    // n = 20, k = 0: 2 / 2^20.
    EXPECT_NEAR(mcnemar_exact_p(0, 20), 2.0 / 1048576.0, 1e-15);
}

TEST(McNemar, PairedTableCountsDiscordantPairs) {
    paired_correctness table;
    table.add(true, true);
    table.add(true, false);
    for (int i = 0; i < 9; ++i) {
        table.add(false, true);
    }
    table.add(false, false);
    EXPECT_EQ(table.n(), 12U);
    EXPECT_EQ(table.production_only, 1U);
    EXPECT_EQ(table.shadow_only, 9U);
    EXPECT_NEAR(table.mcnemar_p(), 22.0 / 1024.0, 1e-12);
}

TEST(ClassScores, HandComputedPrecisionRecallF1) {
    class_scores scores;
    auto add = [&](const char* label, const char* prediction, int times) {
        for (int i = 0; i < times; ++i) {
            scores.add(label, prediction);
        }
    };
    add("0", "0", 5);
    add("0", "1", 2);
    add("1", "1", 3);
    add("1", "0", 1);
    add("2", "1", 1);
    add("2", "", 1);  // null prediction: a miss for class 2, no class of its own
    const auto s = scores.summarize();
    ASSERT_EQ(s.size(), 3U);
    EXPECT_EQ(s[0].key, "0");
    EXPECT_EQ(s[0].support, 7U);
    EXPECT_EQ(s[0].predicted, 6U);
    EXPECT_NEAR(*s[0].precision, 5.0 / 6.0, 1e-12);
    EXPECT_NEAR(*s[0].recall, 5.0 / 7.0, 1e-12);
    EXPECT_NEAR(*s[0].f1, 10.0 / 13.0, 1e-12);
    EXPECT_NEAR(*s[1].precision, 0.5, 1e-12);
    EXPECT_NEAR(*s[1].recall, 0.75, 1e-12);
    EXPECT_NEAR(*s[1].f1, 0.6, 1e-12);
    EXPECT_FALSE(s[2].precision);
    EXPECT_NEAR(*s[2].recall, 0.0, 1e-12);
    EXPECT_FALSE(s[2].f1);
}

TEST(NaturalOrder, NumbersNumericallyThenStrings) {
    std::vector<std::string> keys{"\"b\"", "10", "true", "2", "\"a\"", "-1.5", ""};
    std::sort(keys.begin(), keys.end(), natural_key_less);
    EXPECT_EQ(keys, (std::vector<std::string>{"-1.5", "2", "10", "\"a\"", "\"b\"", "true", ""}));
}

}  // namespace
}  // namespace shadowproxy::stats
