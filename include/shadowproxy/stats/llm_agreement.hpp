// What one record's `llm_compare` says about two generated answers (docs/records.md): the
// mirror's text comparison produces it (llm::llm_comparison extends it), the record carries it,
// and report reads it back into the same type, so /stats and report add up the same fields.
// A plain value; any thread.
#pragma once

#include <optional>

namespace shadowproxy::stats {

struct llm_agreement {
    bool exact_match = true;  // same text, finish_reason and tool calls in every choice
    double text_similarity = 1.0;
    double token_f1 = 1.0;
    std::optional<double> length_ratio;  // shadow / production, code points
    bool finish_reason_match = true;
    bool tool_calls_match = true;  // same names in order, JSON-equal arguments
};

}  // namespace shadowproxy::stats
