// Match filter, hash sampling and header lookup of src/mirror/sampler.cpp (docs/config.md `match`,
// `sample_rate`, `sample_key`).
#include "shadowproxy/mirror/sampler.hpp"

#include <gtest/gtest.h>

#include <string>

namespace shadowproxy::mirror {
namespace {

struct match_case {
    std::vector<std::string> methods;
    std::vector<std::string> prefixes;
    std::string method;
    std::string path;
    bool expected;
};

// Names the case in test listings (gtest would otherwise print the raw bytes).
void PrintTo(const match_case& c, std::ostream* out) {
    *out << c.method << " " << c.path;
}

class SamplerMatch : public ::testing::TestWithParam<match_case> {};

TEST_P(SamplerMatch, FilterDecides) {
    const auto& c = GetParam();
    config::match_filter filter;
    if (!c.methods.empty()) {
        filter.methods = c.methods;
    }
    filter.path_prefixes = c.prefixes;
    EXPECT_EQ(matches(filter, c.method, c.path), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SamplerMatch,
    ::testing::Values(match_case{{}, {}, "GET", "/anything", true},
                      match_case{{}, {}, "HEAD", "/", true},
                      match_case{{}, {}, "POST", "/predict", true},
                      match_case{{}, {}, "PUT", "/predict", false},
                      match_case{{}, {}, "DELETE", "/predict", false},
                      match_case{{}, {}, "get", "/predict", false},
                      match_case{{"PUT"}, {}, "PUT", "/predict", true},
                      match_case{{"PUT"}, {}, "POST", "/predict", false},
                      match_case{{"POST"}, {"/predict"}, "POST", "/predict/v2", true},
                      match_case{{"POST"}, {"/predict"}, "POST", "/other", false},
                      match_case{{"POST"}, {"/a", "/b"}, "POST", "/b/x", true},
                      match_case{{"POST"}, {"/predict"}, "GET", "/predict", false}));

TEST(SamplerSampled, RateZeroNeverRateOneAlways) {
    for (int i = 0; i < 1000; ++i) {
        const std::string key = "key-" + std::to_string(i);
        EXPECT_FALSE(sampled(0.0, key));
        EXPECT_TRUE(sampled(1.0, key));
    }
}

TEST(SamplerSampled, DeterministicPerKey) {
    for (int i = 0; i < 1000; ++i) {
        const std::string key = "user-" + std::to_string(i);
        EXPECT_EQ(sampled(0.5, key), sampled(0.5, key));
    }
}

TEST(SamplerSampled, ShareCloseToRateForSequentialKeys) {
    for (const double rate : {0.01, 0.1, 0.5, 0.9}) {
        int in = 0;
        constexpr int total = 20000;
        for (int i = 0; i < total; ++i) {
            in += sampled(rate, std::to_string(i)) ? 1 : 0;
        }
        EXPECT_NEAR(static_cast<double>(in) / total, rate, 0.02) << "rate " << rate;
    }
}

TEST(SamplerSampled, LowerRateSamplesASubsetOfHigherRate) {
    // A key in at 10% stays in at 50%: raising a rate only adds users.
    for (int i = 0; i < 2000; ++i) {
        const std::string key = "id-" + std::to_string(i);
        if (sampled(0.1, key)) {
            EXPECT_TRUE(sampled(0.5, key)) << key;
        }
    }
}

TEST(SamplerFindHeader, CaseInsensitiveValueWithoutLeadingSpaces) {
    const std::string lines = "Content-Type: application/json\r\nX-User-Id:   42\r\nX-Other: y\r\n";
    EXPECT_EQ(find_header(lines, "x-user-id"), "42");
    EXPECT_EQ(find_header(lines, "X-OTHER"), "y");
    EXPECT_EQ(find_header(lines, "content-type"), "application/json");
    EXPECT_EQ(find_header(lines, "X-Missing"), "");
    EXPECT_EQ(find_header("", "X-User-Id"), "");
}

TEST(SamplerFindHeader, NameMustMatchWholeHeaderName) {
    const std::string lines = "X-User-Id-Extra: 1\r\nX-User: 2\r\n";
    EXPECT_EQ(find_header(lines, "X-User-Id"), "");
    EXPECT_EQ(find_header(lines, "X-User"), "2");
}

TEST(SamplerFindHeader, NameEndsAtTheLinesFirstColon) {
    const std::string lines = "A:B: 1\r\nX-Id:: 2\r\nContent-TYPE:text/plain\r\n";
    EXPECT_EQ(find_header(lines, "A:B"), "");  // a name with a colon never matches
    EXPECT_EQ(find_header(lines, "a"), "B: 1");
    EXPECT_EQ(find_header(lines, "x-id"), ": 2");
    EXPECT_EQ(find_header(lines, "content-type"), "text/plain");
    EXPECT_EQ(find_header(lines, "content-typ"), "");
}

TEST(SamplerFindHeader, LastLineWithoutCrlf) {
    EXPECT_EQ(find_header("A: 1\r\nB: 2", "b"), "2");
}

}  // namespace
}  // namespace shadowproxy::mirror
