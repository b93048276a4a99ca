// compare() takes a simdjson fast path for equal bodies and failed exchanges; it must answer
// exactly as compare_documents() (the nlohmann path) does on every pair of bodies.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "shadowproxy/compare/comparator.hpp"

namespace shadowproxy::compare {
namespace {

using json = nlohmann::json;

// Values must agree in kind and text, not only by nlohmann's == (where 1 == 1.0). Signed and
// unsigned integers are one kind: nlohmann reads "-0" as a signed 0, simdjson as 0, and every
// writer prints them alike.
void expect_same_value(const json& fast, const json& full, const std::string& where) {
    const bool integers = fast.is_number_integer() && full.is_number_integer();
    EXPECT_TRUE(integers || fast.type() == full.type()) << where;
    const auto text = [](const json& value) {
        return value.dump(-1, ' ', false, json::error_handler_t::replace);
    };
    EXPECT_EQ(text(fast), text(full)) << where;
}

void expect_same(const comparison& fast, const comparison& full, const std::string& where) {
    EXPECT_EQ(fast.result, full.result) << where;
    EXPECT_EQ(fast.prediction_match, full.prediction_match) << where;
    EXPECT_EQ(fast.status_match, full.status_match) << where;
    EXPECT_EQ(fast.body_match, full.body_match) << where;
    EXPECT_EQ(fast.body_compared, full.body_compared) << where;
    expect_same_value(fast.production_prediction, full.production_prediction, where);
    expect_same_value(fast.shadow_prediction, full.shadow_prediction, where);
    ASSERT_EQ(fast.diffs.size(), full.diffs.size()) << where;
    for (std::size_t i = 0; i < fast.diffs.size(); ++i) {
        EXPECT_EQ(fast.diffs[i].pointer, full.diffs[i].pointer) << where;
        expect_same_value(fast.diffs[i].production, full.diffs[i].production, where);
        expect_same_value(fast.diffs[i].shadow, full.diffs[i].shadow, where);
        EXPECT_EQ(fast.diffs[i].missing, full.diffs[i].missing) << where;
    }
}

const std::vector<std::string>& bodies() {
    static const std::vector<std::string> all = {
        R"({"prediction":1,"probability":0.9})",
        R"({"probability":0.9,"prediction":1})",
        R"({"prediction":1.0,"probability":0.9})",
        R"({"prediction":1e0,"probability":0.9})",
        R"({"prediction":-0,"probability":0.9})",
        R"({"prediction":-0.0,"probability":0.9})",
        R"({"prediction":0,"probability":0.9})",
        R"({"prediction":1,"probability":0.90000001})",
        R"({"prediction":1,"probability":0.9,"model_version":"v2","latency_ms":3.5})",
        R"({"model_version":"v1","prediction":1,"probability":0.9,"latency_ms":1})",
        R"({"prediction":1,"model_version":"v1","probability":0.9})",
        R"({"prediction":1,"prediction":2,"probability":0.9})",
        R"({"prediction":2,"prediction":1,"probability":0.9})",
        R"({"prediction":"caf\u00e9","probability":0.9})",
        "{\"prediction\":\"caf\xC3\xA9\",\"probability\":0.9}",
        R"({"prediction":"\ud83d\ude00"})",
        R"({"prediction":"\ud83d"})",
        R"({"prediction":"\ude00"})",
        "{\"prediction\":\"a\x01\"}",
        "{\"prediction\":\"\xFF\"}",
        R"({"prediction":[0.1,0.9],"scores":[[1,2],[3,[4,5]]]})",
        R"({"prediction":[0.1,0.9],"scores":[[1,2],[3,[4,6]]]})",
        R"({"prediction":[0.1,0.9],"scores":[[1,2],[3]]})",
        R"({"prediction":[-0,1],"scores":[]})",
        R"({"prediction":{"label":"cat","p":[0.2,0.8]},"items":[{"id":1,"trace/id":"a"}]})",
        R"({"prediction":{"p":[0.2,0.8],"label":"cat"},"items":[{"id":1,"trace/id":"b"}]})",
        R"({"prediction":{"label":"cat","p":[0.2,0.8]},"items":[{"trace/id":"c","id":1}]})",
        R"({"prediction":null,"meta":{"latency_ms":1,"host":"a"}})",
        R"({"prediction":null,"meta":{"latency_ms":2,"host":"a"}})",
        R"({"prediction":null,"meta":{"latency_ms":2,"host":"b"}})",
        R"({"prediction":18446744073709551615,"n":9223372036854775807})",
        R"({"prediction":18446744073709551616,"n":-9223372036854775808})",
        R"({"prediction":9007199254740993,"n":1e400})",
        R"({"prediction":9007199254740992,"n":1e-400})",
        R"({"prediction":1e400})",
        R"({"prediction":-1e-400,"n":0})",
        R"({"prediction":true,"other":false})",
        R"({"prediction":false,"other":false})",
        R"([{"prediction":1},2,3])",
        R"([{"prediction":1},2,4])",
        R"("just a string")",
        R"(7)",
        "{\"prediction\":1}  \n",
        "\xEF\xBB\xBF{\"prediction\":1}",
        R"({"prediction":1} x)",
        R"({"prediction":1,})",
        R"({"prediction":01})",
        R"({"prediction":1)",
        "not json at all",
        "",
        "<html>502 Bad Gateway</html>",
    };
    return all;
}

std::vector<config::compare_config> configs() {
    std::vector<config::compare_config> out;
    out.emplace_back();  // the defaults: ignore /model_version and /latency_ms
    config::compare_config none;
    none.ignore_pointers.clear();
    out.push_back(none);
    config::compare_config tolerant;
    tolerant.float_abs_tolerance = 1e-6;
    tolerant.float_rel_tolerance = 1e-3;
    out.push_back(tolerant);
    config::compare_config nested;
    nested.ignore_pointers = {"/meta/latency_ms", "/items/0/trace~1id", "/scores/1", "/prediction"};
    out.push_back(nested);
    config::compare_config deep_pointer;
    deep_pointer.prediction_pointer = "/prediction/p/1";
    deep_pointer.ignore_pointers = {"/meta/host", "/1"};
    out.push_back(deep_pointer);
    config::compare_config root;
    root.ignore_pointers = {""};
    root.prediction_pointer = "/0/prediction";
    out.push_back(root);
    config::compare_config few_diffs;
    few_diffs.max_diffs = 0;
    out.push_back(few_diffs);
    return out;
}

TEST(FastCompare, AnswersAsTheDocumentPathOnEveryPairOfBodies) {
    const auto all = configs();
    for (std::size_t c = 0; c < all.size(); ++c) {
        const comparator compare(all[c]);
        for (const auto& production : bodies()) {
            for (const auto& shadow : bodies()) {
                for (const unsigned shadow_status : {200U, 503U}) {
                    const side_response p{std::nullopt, 200, production, 1.0};
                    const side_response s{std::nullopt, shadow_status, shadow, 1.0};
                    expect_same(compare.compare(p, s), compare.compare_documents(p, s),
                                "config " + std::to_string(c) + ": " + production + " | " + shadow +
                                    " | " + std::to_string(shadow_status));
                }
            }
        }
    }
}

TEST(FastCompare, AnswersAsTheDocumentPathWhenASideFailed) {
    const comparator compare(config::compare_config{});
    const side_response failed{exchange_error::timeout, 0, {}, 1.0};
    for (const auto& body : bodies()) {
        const side_response answered{std::nullopt, 200, body, 1.0};
        expect_same(compare.compare(failed, answered), compare.compare_documents(failed, answered),
                    "production failed | " + body);
        expect_same(compare.compare(answered, failed), compare.compare_documents(answered, failed),
                    "shadow failed | " + body);
    }
}

TEST(FastCompare, AnswersAsTheDocumentPathOnDeepPredictions) {
    config::compare_config settings;
    const comparator compare(settings);
    for (const int depth : {1, 127, 128, 129, 200}) {
        const std::string prediction = std::string(depth, '[') + "1" + std::string(depth, ']');
        const std::string body = R"({"prediction":)" + prediction + "}";
        const std::string other = R"({"prediction":)" + prediction + R"(,"x":1})";
        const side_response p{std::nullopt, 200, body, 1.0};
        for (const auto& shadow_body : {body, other}) {
            const side_response s{std::nullopt, 200, shadow_body, 1.0};
            expect_same(compare.compare(p, s), compare.compare_documents(p, s),
                        "depth " + std::to_string(depth));
        }
    }
}

// A body past the parsers' retained size frees their buffers after its comparison; the
// next bodies are parsed afresh.
TEST(FastCompare, AnswersAsTheDocumentPathAroundALargeBody) {
    const comparator compare(config::compare_config{});
    std::string large = R"({"prediction":3,"values":[)";
    for (int i = 0; i < 20000; ++i) {
        large += std::to_string(i) + ",";
    }
    large += R"(0],"latency_ms":1})";
    std::string other = large;
    other.replace(other.find(R"("latency_ms":1)"), 14, R"("latency_ms":2)");
    const std::string small = R"({"prediction":3,"latency_ms":5})";
    for (const auto& [production, shadow] : std::vector<std::pair<std::string, std::string>>{
             {small, small}, {large, other}, {small, small}, {large, large}, {other, small}}) {
        const side_response p{std::nullopt, 200, production, 1.0};
        const side_response s{std::nullopt, 200, shadow, 1.0};
        expect_same(compare.compare(p, s), compare.compare_documents(p, s),
                    std::to_string(production.size()) + " | " + std::to_string(shadow.size()));
    }
}

}  // namespace
}  // namespace shadowproxy::compare
