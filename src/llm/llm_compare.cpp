#include "shadowproxy/llm/llm_compare.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "shadowproxy/llm/text_metrics.hpp"

namespace shadowproxy::llm {

namespace {

const choice& choice_or_empty(const answer& a, std::size_t index) {
    static const choice empty{};
    const choice* found = a.find(index);
    return found != nullptr ? *found : empty;
}

bool arguments_equal(const std::string& a, const std::string& b) {
    if (a == b) {
        return true;
    }
    const auto x = nlohmann::json::parse(a, nullptr, false);
    const auto y = nlohmann::json::parse(b, nullptr, false);
    return !x.is_discarded() && !y.is_discarded() && x == y;
}

}  // namespace

bool tool_calls_equal(const std::vector<tool_call>& a, const std::vector<tool_call>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const tool_call& x, const tool_call& y) {
                          return x.name == y.name && arguments_equal(x.arguments, y.arguments);
                      });
}

llm_comparison compare_answers(const answer& production, const answer& shadow,
                               std::size_t max_similarity_chars) {
    std::vector<std::size_t> indexes;
    for (const auto& c : production.choices) {
        indexes.push_back(c.index);
    }
    for (const auto& c : shadow.choices) {
        indexes.push_back(c.index);
    }
    std::sort(indexes.begin(), indexes.end());
    indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
    if (indexes.empty()) {
        indexes.push_back(0);
    }

    llm_comparison out;
    double similarity_sum = 0;
    double f1_sum = 0;
    std::string production_text;
    std::string shadow_text;
    for (const std::size_t index : indexes) {
        const choice& p = choice_or_empty(production, index);
        const choice& s = choice_or_empty(shadow, index);
        const auto similar = similarity(p.text, s.text, max_similarity_chars);
        similarity_sum += similar.value;
        out.similarity_estimated = out.similarity_estimated || similar.estimated;
        f1_sum += token_f1(p.text, s.text);
        const bool finish = p.finish_reason == s.finish_reason;
        const bool tools = tool_calls_equal(p.tool_calls, s.tool_calls);
        out.finish_reason_match = out.finish_reason_match && finish;
        out.tool_calls_match = out.tool_calls_match && tools;
        out.exact_match =
            out.exact_match && finish && p.text == s.text && p.tool_calls == s.tool_calls;
        production_text += p.text;
        shadow_text += s.text;
    }
    const auto count = static_cast<double>(indexes.size());
    out.text_similarity = similarity_sum / count;
    out.token_f1 = f1_sum / count;
    out.length_ratio = length_ratio(production_text, shadow_text);
    return out;
}

}  // namespace shadowproxy::llm
