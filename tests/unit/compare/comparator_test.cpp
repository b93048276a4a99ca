#include "shadowproxy/compare/comparator.hpp"

#include <gtest/gtest.h>

#include <set>

namespace shadowproxy::compare {
namespace {

using json = nlohmann::json;

side_response answer(unsigned status, std::string_view body) {
    return {std::nullopt, status, body, 1.0};
}
side_response failure(exchange_error error) {
    return {error, 0, {}, 1.0};
}

config::compare_config settings(double abs = 0, double rel = 0, std::size_t max_diffs = 20) {
    config::compare_config c;
    c.float_abs_tolerance = abs;
    c.float_rel_tolerance = rel;
    c.max_diffs = max_diffs;
    return c;
}

side_response prefix_of(unsigned status, std::string_view body, std::uint64_t bytes) {
    side_response side{std::nullopt, status, body, 1.0};
    side.bytes = bytes;
    side.truncated = true;
    return side;
}

comparison run(std::string_view production, std::string_view shadow,
               const config::compare_config& c = settings()) {
    return comparator(c).compare(answer(200, production), answer(200, shadow));
}

TEST(Comparator, NamesEveryOutcomeAndErrorWithSpecWords) {
    std::set<std::string_view> words;
    for (auto result : all_outcomes) {
        words.insert(to_string(result));
    }
    EXPECT_EQ(words,
              (std::set<std::string_view>{"match", "prediction_match", "prediction_mismatch",
                                          "status_mismatch", "shadow_error", "production_error"}));
    EXPECT_EQ(to_string(exchange_error::connect_failed), "connect_failed");
    EXPECT_EQ(to_string(exchange_error::timeout), "timeout");
    EXPECT_EQ(to_string(exchange_error::bad_response), "bad_response");
    EXPECT_EQ(to_string(exchange_error::reset), "reset");
}

TEST(Comparator, ChoosesEachOutcome) {
    struct row {
        const char* name;
        side_response production;
        side_response shadow;
        outcome expected;
        bool status_match;
    };
    const std::vector<row> rows{
        {"same", answer(200, R"({"prediction":1,"p":0.5})"),
         answer(200, R"({"p":0.5,"prediction":1})"), outcome::match, true},
        {"other field differs", answer(200, R"({"prediction":1,"p":0.5})"),
         answer(200, R"({"prediction":1,"p":0.7})"), outcome::prediction_match, true},
        {"prediction differs", answer(200, R"({"prediction":1})"),
         answer(200, R"({"prediction":0})"), outcome::prediction_mismatch, true},
        {"no prediction anywhere", answer(200, R"({"a":1})"), answer(200, R"({"a":2})"),
         outcome::prediction_mismatch, true},
        {"shadow answers 500", answer(200, R"({"prediction":1})"),
         answer(500, R"({"error":"boom"})"), outcome::status_mismatch, false},
        {"shadow timeout", answer(200, R"({"prediction":1})"), failure(exchange_error::timeout),
         outcome::shadow_error, false},
        {"shadow garbage", answer(200, R"({"prediction":1})"),
         failure(exchange_error::bad_response), outcome::shadow_error, false},
        {"production down", failure(exchange_error::connect_failed),
         answer(200, R"({"prediction":1})"), outcome::production_error, false},
        {"both down", failure(exchange_error::reset), failure(exchange_error::timeout),
         outcome::production_error, false},
    };
    const comparator compare(settings());
    for (const auto& r : rows) {
        const comparison c = compare.compare(r.production, r.shadow);
        EXPECT_EQ(c.result, r.expected) << r.name;
        EXPECT_EQ(c.status_match, r.status_match) << r.name;
        EXPECT_EQ(c.body_match, r.expected == outcome::match) << r.name;
    }
}

TEST(Comparator, ReportsTheSpecExample) {
    const comparison c = run(R"({"prediction":1,"model_version":"v1","latency_ms":3})",
                             R"({"prediction":0,"model_version":"v2","latency_ms":9})");
    EXPECT_EQ(c.result, outcome::prediction_mismatch);
    EXPECT_FALSE(c.prediction_match);
    EXPECT_TRUE(c.status_match);
    EXPECT_FALSE(c.body_match);
    EXPECT_EQ(c.production_prediction, json(1));
    EXPECT_EQ(c.shadow_prediction, json(0));
    ASSERT_EQ(c.diffs.size(), 1u);
    EXPECT_EQ(c.diffs[0].pointer, "/prediction");
    EXPECT_EQ(c.diffs[0].production, json(1));
    EXPECT_EQ(c.diffs[0].shadow, json(0));
    EXPECT_FALSE(c.diffs[0].missing.has_value());
}

TEST(Comparator, ErrorOutcomesKeepWhatTheOtherSideAnswered) {
    const comparator compare(settings());
    const comparison shadow_failed =
        compare.compare(answer(200, R"({"prediction":"cat"})"), failure(exchange_error::reset));
    EXPECT_EQ(shadow_failed.production_prediction, json("cat"));
    EXPECT_TRUE(shadow_failed.shadow_prediction.is_null());
    EXPECT_FALSE(shadow_failed.prediction_match);
    EXPECT_FALSE(shadow_failed.body_match);
    EXPECT_TRUE(shadow_failed.diffs.empty());

    const comparison production_failed =
        compare.compare(failure(exchange_error::timeout), answer(200, R"({"prediction":"dog"})"));
    EXPECT_TRUE(production_failed.production_prediction.is_null());
    EXPECT_EQ(production_failed.shadow_prediction, json("dog"));
    EXPECT_TRUE(production_failed.diffs.empty());
}

TEST(Comparator, StatusMismatchStillDescribesTheBodies) {
    const comparison c =
        comparator(settings())
            .compare(answer(200, R"({"prediction":1})"), answer(201, R"({"prediction":1})"));
    EXPECT_EQ(c.result, outcome::status_mismatch);
    EXPECT_FALSE(c.status_match);
    EXPECT_TRUE(c.body_match);
    EXPECT_TRUE(c.prediction_match);
}

TEST(Comparator, IdenticalBytesMatchWithTheirPredictions) {
    const std::string body = R"({"prediction":[1,2],"model_version":"v1"})";
    const comparator compare(settings());
    const comparison same = compare.compare(answer(200, body), answer(200, body));
    EXPECT_EQ(same.result, outcome::match);
    EXPECT_TRUE(same.body_match);
    EXPECT_TRUE(same.prediction_match);
    EXPECT_EQ(same.production_prediction, json::parse("[1,2]"));
    EXPECT_EQ(same.shadow_prediction, json::parse("[1,2]"));

    const comparison no_prediction = run(R"({"a":1})", R"({"a":1})");
    EXPECT_EQ(no_prediction.result, outcome::match);
    EXPECT_FALSE(no_prediction.prediction_match);

    const comparison other_status = compare.compare(answer(200, body), answer(503, body));
    EXPECT_EQ(other_status.result, outcome::status_mismatch);
    EXPECT_TRUE(other_status.body_match);
}

TEST(Comparator, AppliesToleranceExactlyAtTheEdge) {
    struct row {
        double abs, rel;
        const char* production;
        const char* shadow;
        bool equal;
    };
    // Values chosen to be exact in binary so "at the edge" really is the edge.
    const std::vector<row> rows{
        {0.5, 0, "1.0", "1.5", true},
        {0.5, 0, "1.0", "1.5000001", false},
        {0.5, 0, "-1.0", "-0.5", true},
        {0, 0.5, "1", "2", true},  // |1-2| = 1 <= 0.5 * 2
        {0, 0.5, "1", "2.0000001", false},
        {0.25, 0.25, "2", "3", true},  // 1 <= 0.25 + 0.25 * 3
        {0.25, 0.25, "2", "3.01", false},
        {0, 0, "1", "1.0", true},  // integer vs float compare numerically
        {0, 0, "0.1", "0.1", true},
        {0, 0, "0.1", "0.1000000001", false},
        {0, 0, "9007199254740993", "9007199254740992", false},  // exact above 2^53
        {0, 0, "18446744073709551615", "18446744073709551615", true},
        {0, 0, "-1", "18446744073709551615", false},
        {0, 0, "1", "true", false},
        {0, 0, "\"1\"", "1", false},
        {0, 0, "null", "0", false},
    };
    for (const auto& r : rows) {
        const std::string production = std::string(R"({"v":)") + r.production + "}";
        const std::string shadow = std::string(R"({"v":)") + r.shadow + "}";
        const comparison c = run(production, shadow, settings(r.abs, r.rel));
        EXPECT_EQ(c.body_match, r.equal) << r.production << " vs " << r.shadow;
    }
}

TEST(Comparator, RemovesNestedIgnorePointersFromBothSides) {
    auto c = settings();
    c.ignore_pointers = {"/model_version", "/meta/latency_ms", "/items/0/trace~1id"};
    const comparison result =
        run(R"({"prediction":1,"model_version":"a","meta":{"latency_ms":1,"host":"x"},
                "items":[{"trace/id":"t1","v":1}]})",
            R"({"prediction":1,"model_version":"b","meta":{"latency_ms":7,"host":"x"},
                "items":[{"trace/id":"t2","v":1}]})",
            c);
    EXPECT_EQ(result.result, outcome::match);
    EXPECT_TRUE(result.diffs.empty());
}

TEST(Comparator, PredictionIgnoresTheIgnoreList) {
    auto c = settings();
    c.ignore_pointers = {"/prediction"};
    const comparison result = run(R"({"prediction":1})", R"({"prediction":2})", c);
    EXPECT_EQ(result.result, outcome::match);
    EXPECT_EQ(result.production_prediction, json(1));
    EXPECT_EQ(result.shadow_prediction, json(2));
    EXPECT_FALSE(result.prediction_match);
}

TEST(Comparator, MarksKeysMissingOnEitherSide) {
    const comparison c = run(R"({"a":1,"b":{"x":[1]},"z":0})", R"({"a":1,"c":"new","z":0})");
    ASSERT_EQ(c.diffs.size(), 2u);
    EXPECT_EQ(c.diffs[0].pointer, "/b");
    EXPECT_EQ(c.diffs[0].production, json::parse(R"({"x":[1]})"));
    EXPECT_TRUE(c.diffs[0].shadow.is_null());
    EXPECT_EQ(c.diffs[0].missing, "shadow");
    EXPECT_EQ(c.diffs[1].pointer, "/c");
    EXPECT_TRUE(c.diffs[1].production.is_null());
    EXPECT_EQ(c.diffs[1].shadow, json("new"));
    EXPECT_EQ(c.diffs[1].missing, "production");
}

TEST(Comparator, ExplicitNullIsNotAMissingKey) {
    const comparison c = run(R"({"a":null})", R"({"a":0})");
    ASSERT_EQ(c.diffs.size(), 1u);
    EXPECT_FALSE(c.diffs[0].missing.has_value());
}

TEST(Comparator, ReportsArrayLengthsThenTheCommonPrefix) {
    const comparison c = run(R"({"scores":[1,2,3]})", R"({"scores":[1,5]})");
    ASSERT_EQ(c.diffs.size(), 2u);
    EXPECT_EQ(c.diffs[0].pointer, "/scores");
    EXPECT_EQ(c.diffs[0].production, json(3));
    EXPECT_EQ(c.diffs[0].shadow, json(2));
    EXPECT_EQ(c.diffs[1].pointer, "/scores/1");
    EXPECT_EQ(c.diffs[1].production, json(2));
    EXPECT_EQ(c.diffs[1].shadow, json(5));
}

TEST(Comparator, EscapesPointersInDiffs) {
    const comparison c =
        run(R"({"a/b":{"c~d":1},"top":[{"k":1}]})", R"({"a/b":{"c~d":2},"top":[{"k":2}]})");
    ASSERT_EQ(c.diffs.size(), 2u);
    EXPECT_EQ(c.diffs[0].pointer, "/a~1b/c~0d");
    EXPECT_EQ(c.diffs[1].pointer, "/top/0/k");
}

TEST(Comparator, ReportsTypeChangesAtTheirPointer) {
    const comparison c = run(R"({"a":{"x":1},"b":[1]})", R"({"a":[1],"b":"1"})");
    ASSERT_EQ(c.diffs.size(), 2u);
    EXPECT_EQ(c.diffs[0].pointer, "/a");
    EXPECT_EQ(c.diffs[0].shadow, json::parse("[1]"));
    EXPECT_EQ(c.diffs[1].pointer, "/b");
}

TEST(Comparator, ComparesNonJsonBodiesByBytes) {
    struct row {
        std::string production, shadow;
        bool equal;
    };
    const std::vector<row> rows{
        {"", "", true},
        {"plain text", "plain text", true},
        {"plain text", "plain texT", false},
        {"", "{}", false},
        {R"({"a":1})", "not json", false},
        {"{\"a\":1} trailing", "{\"a\":1} trailing", true},
        {std::string("\xff\xfe", 2), std::string("\xff\xfe", 2), true},
    };
    for (const auto& r : rows) {
        const comparison c = run(r.production, r.shadow);
        EXPECT_EQ(c.body_match, r.equal) << r.production << " vs " << r.shadow;
        EXPECT_EQ(c.result, r.equal ? outcome::match : outcome::prediction_mismatch);
        if (r.equal) {
            EXPECT_TRUE(c.diffs.empty());
        } else {
            ASSERT_EQ(c.diffs.size(), 1u);
            EXPECT_EQ(c.diffs[0].pointer, "");
            EXPECT_EQ(c.diffs[0].production, json(r.production));
            EXPECT_EQ(c.diffs[0].shadow, json(r.shadow));
        }
    }
}

TEST(Comparator, CutsQuotedNonJsonBodiesAt256BytesOnACharacterBoundary) {
    const std::string production(1000, 'a');
    std::string shadow(255, 'b');
    shadow += "\xc3\xa9 and more";  // é straddles byte 256
    const comparison c = run(production, shadow);
    ASSERT_EQ(c.diffs.size(), 1u);
    EXPECT_EQ(c.diffs[0].production.get<std::string>().size(), 256u);
    EXPECT_EQ(c.diffs[0].shadow.get<std::string>(), std::string(255, 'b'));
    EXPECT_EQ(c.production_prediction, nullptr);
}

TEST(Comparator, ExtractsPredictionsOfAnyType) {
    struct row {
        const char* production;
        const char* shadow;
        bool match;
    };
    const std::vector<row> rows{
        {R"("cat")", R"("cat")", true},
        {R"("cat")", R"("dog")", false},
        {"0.25", "0.25", true},
        {"[0.1,0.9]", "[0.1,0.9]", true},
        {"[0.1,0.9]", "[0.9,0.1]", false},
        {R"({"label":1})", R"({"label":1})", true},
        {"true", "true", true},
        {"null", "null", false},
        {"1", "\"1\"", false},
    };
    for (const auto& r : rows) {
        const std::string production =
            std::string(R"({"prediction":)") + r.production + R"(,"other":1})";
        const std::string shadow = std::string(R"({"prediction":)") + r.shadow + R"(,"other":2})";
        const comparison c = run(production, shadow);
        EXPECT_EQ(c.production_prediction, json::parse(r.production)) << r.production;
        EXPECT_EQ(c.shadow_prediction, json::parse(r.shadow)) << r.shadow;
        EXPECT_EQ(c.prediction_match, r.match) << r.production << " vs " << r.shadow;
        EXPECT_EQ(c.result, r.match ? outcome::prediction_match : outcome::prediction_mismatch);
    }
}

TEST(Comparator, PredictionsUseTheTolerance) {
    const comparison c = run(R"({"prediction":[0.5,1],"x":1})",
                             R"({"prediction":[0.5001,1],"x":2})", settings(0.001));
    EXPECT_TRUE(c.prediction_match);
    EXPECT_EQ(c.result, outcome::prediction_match);
}

TEST(Comparator, MissingPredictionOnOneSideIsAMismatch) {
    const comparison c = run(R"({"prediction":1})", R"({"result":1})");
    EXPECT_EQ(c.production_prediction, json(1));
    EXPECT_TRUE(c.shadow_prediction.is_null());
    EXPECT_FALSE(c.prediction_match);
}

TEST(Comparator, BoundsDiffsButStillKnowsBodiesDiffer) {
    json production = json::object();
    json shadow = json::object();
    for (int i = 0; i < 50; ++i) {
        production["k" + std::to_string(100 + i)] = i;
        shadow["k" + std::to_string(100 + i)] = i + 1;
    }
    const std::string p = production.dump();
    const std::string s = shadow.dump();
    const comparison five = run(p, s, settings(0, 0, 5));
    EXPECT_EQ(five.diffs.size(), 5u);
    EXPECT_EQ(five.diffs[0].pointer, "/k100");
    EXPECT_FALSE(five.body_match);
    const comparison none = run(p, s, settings(0, 0, 0));
    EXPECT_TRUE(none.diffs.empty());
    EXPECT_FALSE(none.body_match);
    EXPECT_EQ(run(p, p, settings(0, 0, 0)).result, outcome::match);
    EXPECT_TRUE(run("x", "y", settings(0, 0, 0)).diffs.empty());
}

TEST(Comparator, HandlesAMegabyteBody) {
    json items = json::array();
    for (int i = 0; i < 22000; ++i) {
        items.push_back({{"id", i}, {"score", i * 0.001}, {"label", "item-" + std::to_string(i)}});
    }
    json production = {{"prediction", 1}, {"items", items}};
    json shadow = production;
    const std::string p = production.dump();
    ASSERT_GT(p.size(), 1000000u);
    EXPECT_EQ(run(p, p).result, outcome::match);

    shadow["items"][21999]["score"] = 42;
    const comparison c = run(p, shadow.dump());
    EXPECT_EQ(c.result, outcome::prediction_match);
    ASSERT_EQ(c.diffs.size(), 1u);
    EXPECT_EQ(c.diffs[0].pointer, "/items/21999/score");
}

TEST(Comparator, SurvivesDeepNesting) {
    const int depth = 100000;
    const std::string deep = std::string(depth, '[') + "1" + std::string(depth, ']');
    const std::string other = std::string(depth, '[') + "2" + std::string(depth, ']');
    EXPECT_EQ(run(deep, deep).result, outcome::match);
    const comparison c = run(deep, other);
    EXPECT_FALSE(c.body_match);
    ASSERT_EQ(c.diffs.size(), 1u);
    EXPECT_EQ(c.diffs[0].pointer.size(), 2 * max_json_depth);  // "/0" per level walked
    EXPECT_TRUE(c.diffs[0].production.is_string());            // stands in for the subtree

    auto predicting = settings();
    predicting.prediction_pointer = "";
    const comparison whole = comparator(predicting).compare(answer(200, deep), answer(200, deep));
    EXPECT_TRUE(whole.prediction_match);
    EXPECT_TRUE(whole.production_prediction.is_string());
}

TEST(ComparatorTruncated, PredictionsFromThePrefixDecide) {
    const comparator c{settings()};
    const auto same = c.compare(prefix_of(200, R"({"prediction":3,"blob":"aaa)", 9000),
                                answer(200, R"({"prediction":3,"blob":"b"})"));
    EXPECT_EQ(same.result, outcome::prediction_match);
    EXPECT_FALSE(same.body_compared);
    EXPECT_TRUE(same.diffs.empty());
    EXPECT_EQ(same.production_prediction, 3);
    EXPECT_EQ(same.shadow_prediction, 3);
    const auto differ = c.compare(prefix_of(200, R"({"prediction":3,"blob":"aaa)", 9000),
                                  prefix_of(200, R"({"prediction":[1,2],"b)", 9000));
    EXPECT_EQ(differ.result, outcome::prediction_mismatch);
    EXPECT_EQ(differ.shadow_prediction, json::parse("[1,2]"));
}

TEST(ComparatorTruncated, WithoutPredictionsStatusDecides) {
    const comparator c{settings()};
    // The number may go on past the cut: not a prediction.
    const auto cut = c.compare(prefix_of(200, R"({"prediction":0.12)", 9000),
                               prefix_of(200, R"({"blob":"x)", 9000));
    EXPECT_EQ(cut.result, outcome::match);
    EXPECT_TRUE(cut.production_prediction.is_null());
    EXPECT_FALSE(cut.prediction_match);
    const auto status = c.compare(prefix_of(200, "xx", 9000), answer(500, "{}"));
    EXPECT_EQ(status.result, outcome::status_mismatch);
    const auto failed = c.compare(prefix_of(200, "xx", 9000), failure(exchange_error::timeout));
    EXPECT_EQ(failed.result, outcome::shadow_error);
}

}  // namespace
}  // namespace shadowproxy::compare
