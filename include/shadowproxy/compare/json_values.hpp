// Value-level helpers shared by the comparator and the record writer: tolerant number equality,
// deep equality and depth checks that never recurse, so a hostile body nested a million levels
// deep cannot exhaust a thread's stack.
//
// Pure functions; any thread may call them; they never throw except std::bad_alloc.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>

namespace shadowproxy::compare {

// Deepest nesting the comparator walks recursively and the record writer serialises as JSON.
inline constexpr std::size_t max_json_depth = 128;

// Two numbers are equal when |a-b| <= abs + rel*max(|a|,|b|) (docs/config.md compare).
struct tolerance {
    double abs = 0.0;
    double rel = 0.0;
};

// Both a and b must be numbers (integer, unsigned or float, mixed kinds compare numerically).
// Integers are compared exactly first so large ids do not collapse through double rounding.
bool numbers_equal(const nlohmann::json& a, const nlohmann::json& b, const tolerance& tol);

// Scalars: numbers with the tolerance, everything else by type and value. Containers: false
// unless both are empty of the same kind (callers walk containers themselves).
bool leaves_equal(const nlohmann::json& a, const nlohmann::json& b, const tolerance& tol);

// Deep equality with the tolerance applied to every number; iterative.
bool values_equal(const nlohmann::json& a, const nlohmann::json& b, const tolerance& tol);

// Whether value nests deeper than max_depth levels (a scalar has depth 0, [] and {} depth 1).
bool deeper_than(const nlohmann::json& value, std::size_t max_depth);

// A copy of value, or a short string standing in for it when it nests deeper than max_depth:
// nlohmann's copy and dump recurse, so deep values are never copied or serialised whole.
nlohmann::json bounded_copy(const nlohmann::json& value, std::size_t max_depth = max_json_depth);

}  // namespace shadowproxy::compare
