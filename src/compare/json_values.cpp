#include "shadowproxy/compare/json_values.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace shadowproxy::compare {

namespace {

using json = nlohmann::json;

// Exact comparison of two integer-kinded numbers, signed and unsigned mixed.
bool integers_equal(const json& a, const json& b) {
    if (a.is_number_unsigned() == b.is_number_unsigned()) {
        return a.is_number_unsigned() ? a.get<std::uint64_t>() == b.get<std::uint64_t>()
                                      : a.get<std::int64_t>() == b.get<std::int64_t>();
    }
    const json& u = a.is_number_unsigned() ? a : b;
    const json& s = a.is_number_unsigned() ? b : a;
    const auto signed_value = s.get<std::int64_t>();
    return signed_value >= 0 && static_cast<std::uint64_t>(signed_value) == u.get<std::uint64_t>();
}

}  // namespace

bool numbers_equal(const json& a, const json& b, const tolerance& tol) {
    const bool both_integers = a.is_number_integer() && b.is_number_integer();
    if (both_integers) {
        if (integers_equal(a, b)) {
            return true;
        }
        if (tol.abs == 0.0 && tol.rel == 0.0) {
            return false;
        }
    }
    const double x = a.get<double>();
    const double y = b.get<double>();
    if (x == y) {
        return true;
    }
    // NaN (from inf - inf) compares false, so two different infinities stay unequal.
    return std::fabs(x - y) <= tol.abs + tol.rel * std::max(std::fabs(x), std::fabs(y));
}

bool leaves_equal(const json& a, const json& b, const tolerance& tol) {
    if (a.is_number() && b.is_number()) {
        return numbers_equal(a, b, tol);
    }
    if (a.type() != b.type()) {
        return false;
    }
    if (a.is_structured()) {
        return a.empty() && b.empty();
    }
    return a == b;
}

bool values_equal(const json& a, const json& b, const tolerance& tol) {
    if (!a.is_structured() || !b.is_structured()) {
        return leaves_equal(a, b, tol);  // the usual prediction, without allocating a stack
    }
    std::vector<std::pair<const json*, const json*>> pending{{&a, &b}};
    while (!pending.empty()) {
        const auto [x, y] = pending.back();
        pending.pop_back();
        if (!x->is_structured() || !y->is_structured()) {
            if (!leaves_equal(*x, *y, tol)) {
                return false;
            }
            continue;
        }
        if (x->type() != y->type() || x->size() != y->size()) {
            return false;
        }
        if (x->is_object()) {
            // Object keys are kept sorted, so equal objects line up pairwise.
            auto xi = x->begin();
            auto yi = y->begin();
            for (; xi != x->end(); ++xi, ++yi) {
                if (xi.key() != yi.key()) {
                    return false;
                }
                pending.emplace_back(&xi.value(), &yi.value());
            }
        } else {
            for (std::size_t i = 0; i < x->size(); ++i) {
                pending.emplace_back(&(*x)[i], &(*y)[i]);
            }
        }
    }
    return true;
}

bool deeper_than(const json& value, std::size_t max_depth) {
    std::vector<std::pair<const json*, std::size_t>> pending{{&value, 0}};
    while (!pending.empty()) {
        const auto [node, depth] = pending.back();
        pending.pop_back();
        if (!node->is_structured()) {
            continue;
        }
        if (depth + 1 > max_depth) {
            return true;
        }
        for (const auto& child : *node) {
            if (child.is_structured()) {
                pending.emplace_back(&child, depth + 1);
            }
        }
    }
    return false;
}

json bounded_copy(const json& value, std::size_t max_depth) {
    if (value.is_structured() && deeper_than(value, max_depth)) {
        return "(value nested deeper than " + std::to_string(max_depth) + " levels)";
    }
    return value;
}

}  // namespace shadowproxy::compare
