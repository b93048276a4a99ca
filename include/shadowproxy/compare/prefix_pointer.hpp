// Reads the value a JSON pointer names from the *prefix* of a JSON document: the comparator's
// view of an answer longer than compare.max_body_bytes, of which only the first bytes were kept.
//
// A pure function (any thread). It streams the prefix through nlohmann's SAX parser, builds
// only the named value, and stops as soon as that value is complete. A value the prefix cuts
// (an unterminated string, object or array, or a number that may continue past the cut: one
// followed by nothing but what could be more of a number) is not there: nullopt, never a wrong
// value. Never throws except std::bad_alloc.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "shadowproxy/compare/json_pointer.hpp"

namespace shadowproxy::compare {

std::optional<nlohmann::json> find_in_prefix(std::string_view prefix, const json_pointer& pointer);

}  // namespace shadowproxy::compare
