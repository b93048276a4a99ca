// The comparator's fast path: both JSON bodies parsed with simdjson (one reusable parser per side
// and thread) instead of building two nlohmann documents, the predictions converted alone, and
// the bodies checked for equality after the ignore list without copying or erasing anything.
//
// It answers only when its answer is certainly the one comparator::compare_documents() gives:
// an equal pair (body_match, no diffs), or a pair decided by an exchange error. Whenever bodies
// differ, a body is not JSON to simdjson, an ignore pointer reaches into an array (erase order
// shifts elements) or a prediction nests deep, it returns nullopt and the caller takes the full
// path, which then writes the diffs.
//
// Private to compare. Pure apart from the thread-local parsers; any thread; never throws except
// std::bad_alloc.
#pragma once

#include <optional>
#include <vector>

#include "shadowproxy/compare/comparator.hpp"

namespace shadowproxy::compare::detail {

// The comparator's settings the fast path reads (it does not take tensor predictions).
struct fast_rules {
    const json_pointer* prediction = nullptr;  // none: no prediction is read
    const std::vector<json_pointer>* ignore = nullptr;
    tolerance numbers;
};

std::optional<comparison> compare_fast(const side_response& production, const side_response& shadow,
                                       const fast_rules& rules);

}  // namespace shadowproxy::compare::detail
