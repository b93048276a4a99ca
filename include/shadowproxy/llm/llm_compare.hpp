// Compares production's and a shadow's generated answers (docs/records.md, llm_compare): exact
// match, text similarity, token F1, length ratio, finish_reason and tool-call agreement.
//
// A pure function; any thread may call it; never throws but std::bad_alloc. With several
// choices (n > 1) the choices are paired by index (a choice missing on one side is empty
// there): text_similarity and token_f1 are their means, length_ratio is over the summed lengths,
// and the match flags hold when they hold for every choice.
#pragma once

#include <cstddef>
#include <optional>

#include "shadowproxy/llm/answer.hpp"
#include "shadowproxy/stats/llm_agreement.hpp"

namespace shadowproxy::llm {

// The record's llm_compare: the agreement statistics count, and whether the similarity is an
// estimate.
struct llm_comparison : stats::llm_agreement {
    bool similarity_estimated = false;  // a text went past max_similarity_chars
};

llm_comparison compare_answers(const answer& production, const answer& shadow,
                               std::size_t max_similarity_chars);

// Tool calls agree: the same names in the same order, arguments equal as JSON values (as text
// when either side's arguments are not JSON).
bool tool_calls_equal(const std::vector<tool_call>& a, const std::vector<tool_call>& b);

}  // namespace shadowproxy::llm
