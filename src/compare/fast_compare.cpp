#include "compare/fast_compare.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

namespace shadowproxy::compare::detail {

namespace {

namespace dom = simdjson::dom;
using json = nlohmann::json;

// Ignore pointers are tracked as a bit set while walking, so at most this many take part.
constexpr std::size_t max_fast_ignores = 64;

// A parser keeps its buffers for the next body up to this size; a DOM parser holds some 16
// bytes per input byte, so a larger body's are given back once it is compared.
constexpr std::size_t retained_capacity = 64 * 1024;

// One side's parser and the copy of its body with simdjson's padding after it, kept per thread
// so steady traffic parses without allocating.
struct side_parser {
    dom::parser parser;
    std::vector<char> padded;

    void trim() {
        if (parser.capacity() > retained_capacity) {
            parser = dom::parser{};
            padded = {};
        }
    }
};

bool parse_padded(side_parser& side, std::string_view body, dom::element& out) {
    if (body.empty()) {
        return false;
    }
    if (side.padded.size() < body.size() + simdjson::SIMDJSON_PADDING) {
        side.padded.resize(body.size() + simdjson::SIMDJSON_PADDING);
    }
    std::memcpy(side.padded.data(), body.data(), body.size());
    return side.parser.parse(side.padded.data(), body.size(), false).get(out) == simdjson::SUCCESS;
}

bool is_integer(dom::element_type type) {
    return type == dom::element_type::INT64 || type == dom::element_type::UINT64;
}

double as_double(dom::element value) {
    switch (value.type()) {
        case dom::element_type::INT64:
            return static_cast<double>(value.get_int64().value_unsafe());
        case dom::element_type::UINT64:
            return static_cast<double>(value.get_uint64().value_unsafe());
        default:
            return value.get_double().value_unsafe();
    }
}

// numbers_equal() on simdjson numbers: integers exactly first, then as doubles with the
// tolerance.
bool fast_numbers_equal(dom::element a, dom::element b, const tolerance& tol) {
    if (is_integer(a.type()) && is_integer(b.type())) {
        const bool a_negative =
            a.type() == dom::element_type::INT64 && a.get_int64().value_unsafe() < 0;
        const bool b_negative =
            b.type() == dom::element_type::INT64 && b.get_int64().value_unsafe() < 0;
        const bool same =
            a_negative == b_negative &&
            (a_negative ? a.get_int64().value_unsafe() == b.get_int64().value_unsafe()
                        : a.get_uint64().value_unsafe() == b.get_uint64().value_unsafe());
        if (same) {
            return true;
        }
        if (tol.abs == 0.0 && tol.rel == 0.0) {
            return false;
        }
    }
    const double x = as_double(a);
    const double y = as_double(b);
    if (x == y) {
        return true;
    }
    return std::fabs(x - y) <= tol.abs + tol.rel * std::max(std::fabs(x), std::fabs(y));
}

bool is_number(dom::element_type type) {
    return is_integer(type) || type == dom::element_type::DOUBLE;
}

// Walks two documents in step; true only when they are certainly equal after the ignore list
// (ignore_pointers erased from both, as the full path does). `active` holds the ignore
// pointers whose first `depth` tokens led here.
class equal_walker {
public:
    equal_walker(const std::vector<json_pointer>& ignore, const tolerance& tol)
        : ignore_(ignore), tolerance_(tol) {}

    bool equal(dom::element a, dom::element b, std::uint64_t active, std::size_t depth) const {
        const auto type = a.type();
        if (is_number(type) && is_number(b.type())) {
            return fast_numbers_equal(a, b, tolerance_);
        }
        if (type != b.type()) {
            return false;
        }
        switch (type) {
            case dom::element_type::OBJECT:
                return depth < max_json_depth &&
                       objects_equal(a.get_object().value_unsafe(), b.get_object().value_unsafe(),
                                     active, depth);
            case dom::element_type::ARRAY:
                return depth < max_json_depth && !erases_element(active, depth) &&
                       arrays_equal(a.get_array().value_unsafe(), b.get_array().value_unsafe(),
                                    depth);
            case dom::element_type::STRING:
                return a.get_string().value_unsafe() == b.get_string().value_unsafe();
            case dom::element_type::BOOL:
                return a.get_bool().value_unsafe() == b.get_bool().value_unsafe();
            default:
                return true;  // null
        }
    }

private:
    // Whether an active ignore pointer names an element of the array here. Erasing one shifts
    // the rest, so the order of the ignore list matters: the full path decides. Other tokens
    // name nothing in an array.
    bool erases_element(std::uint64_t active, std::size_t depth) const {
        for (std::uint64_t bits = active; bits != 0; bits &= bits - 1) {
            const auto i = static_cast<std::size_t>(__builtin_ctzll(bits));
            if (parse_array_index(ignore_[i].tokens()[depth])) {
                return true;
            }
        }
        return false;
    }

    // Whether the key ends an active ignore pointer; `next` gets those that go on below it.
    bool ignored(std::string_view key, std::uint64_t active, std::size_t depth,
                 std::uint64_t& next) const {
        bool skip = false;
        next = 0;
        for (std::uint64_t bits = active; bits != 0; bits &= bits - 1) {
            const auto i = static_cast<std::size_t>(__builtin_ctzll(bits));
            const auto& tokens = ignore_[i].tokens();
            if (tokens[depth] != key) {
                continue;
            }
            if (tokens.size() == depth + 1) {
                skip = true;
            } else {
                next |= std::uint64_t{1} << i;
            }
        }
        return skip;
    }

    // Objects whose remaining members line up key for key; nlohmann keeps the last of duplicate
    // keys, and members equal pairwise make those equal too. Other orders go the full way.
    bool objects_equal(dom::object a, dom::object b, std::uint64_t active,
                       std::size_t depth) const {
        auto x = a.begin();
        auto y = b.begin();
        std::uint64_t x_next = 0;
        std::uint64_t y_next = 0;
        while (true) {
            while (x != a.end() && active != 0 && ignored(x.key(), active, depth, x_next)) {
                ++x;
            }
            while (y != b.end() && active != 0 && ignored(y.key(), active, depth, y_next)) {
                ++y;
            }
            if (x == a.end() || y == b.end()) {
                return x == a.end() && y == b.end();
            }
            if (x.key() != y.key() || !equal(x.value(), y.value(), x_next, depth + 1)) {
                return false;
            }
            ++x;
            ++y;
        }
    }

    bool arrays_equal(dom::array a, dom::array b, std::size_t depth) const {
        auto x = a.begin();
        auto y = b.begin();
        for (; x != a.end() && y != b.end(); ++x, ++y) {
            if (!equal(*x, *y, 0, depth + 1)) {
                return false;
            }
        }
        return x == a.end() && y == b.end();
    }

    const std::vector<json_pointer>& ignore_;
    const tolerance& tolerance_;
};

// The value nlohmann::json::parse gives for the same text; false when the value nests deeper
// than bounded_copy() keeps. nlohmann reads "-0" as a signed 0 and simdjson as 0: every writer
// prints the two alike.
bool to_nlohmann(dom::element value, json& out, std::size_t depth) {
    switch (value.type()) {
        case dom::element_type::OBJECT: {
            if (depth >= max_json_depth) {
                return false;
            }
            out = json::object();
            // Later duplicates replace earlier ones, as in nlohmann's parser.
            const dom::object object = value.get_object().value_unsafe();
            for (const auto field : object) {
                if (!to_nlohmann(field.value, out[std::string(field.key)], depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        case dom::element_type::ARRAY: {
            if (depth >= max_json_depth) {
                return false;
            }
            out = json::array();
            const dom::array array = value.get_array().value_unsafe();
            for (const auto element : array) {
                out.push_back(nullptr);
                if (!to_nlohmann(element, out.back(), depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        case dom::element_type::INT64: {
            // nlohmann reads integers without a sign as unsigned.
            const std::int64_t number = value.get_int64().value_unsafe();
            out = number < 0 ? json(number) : json(static_cast<std::uint64_t>(number));
            return true;
        }
        case dom::element_type::UINT64:
            out = value.get_uint64().value_unsafe();
            return true;
        case dom::element_type::DOUBLE:
            out = value.get_double().value_unsafe();
            return true;
        case dom::element_type::STRING:
            out = std::string(value.get_string().value_unsafe());
            return true;
        case dom::element_type::BOOL:
            out = value.get_bool().value_unsafe();
            return true;
        case dom::element_type::NULL_VALUE:
            out = nullptr;
            return true;
    }
    return false;
}

// json_pointer::find() on a simdjson document; objects answer with their last member of that
// name, as nlohmann's parser keeps it.
bool find_value(dom::element doc, const json_pointer& pointer, dom::element& out) {
    dom::element at = doc;
    for (const auto& token : pointer.tokens()) {
        if (at.type() == dom::element_type::OBJECT) {
            bool found = false;
            const dom::object object = at.get_object().value_unsafe();
            for (const auto field : object) {
                if (field.key == token) {
                    out = field.value;
                    found = true;
                }
            }
            if (!found) {
                return false;
            }
            at = out;
        } else if (at.type() == dom::element_type::ARRAY) {
            const auto index = parse_array_index(token);
            const dom::array array = at.get_array().value_unsafe();
            if (!index || array.at(*index).get(at) != simdjson::SUCCESS) {
                return false;
            }
        } else {
            return false;
        }
    }
    out = at;
    return true;
}

// The prediction of one parsed body into out (left null when there is none); false when the
// fast path cannot give it exactly.
bool read_prediction(dom::element doc, const fast_rules& rules, json& out) {
    dom::element found;
    if (rules.prediction == nullptr || !find_value(doc, *rules.prediction, found)) {
        return true;
    }
    return to_nlohmann(found, out, 0);
}

std::optional<comparison> compare_parsed(std::array<side_parser, 2>& parsers,
                                         const side_response& production,
                                         const side_response& shadow, const fast_rules& rules) {
    const bool same_bytes = !production.error && !shadow.error && production.body == shadow.body;
    dom::element production_doc;
    dom::element shadow_doc;
    comparison result;
    if (!production.error) {
        if (!parse_padded(parsers[0], production.body, production_doc) ||
            !read_prediction(production_doc, rules, result.production_prediction)) {
            return std::nullopt;
        }
    }
    if (same_bytes) {
        result.shadow_prediction = result.production_prediction;
    } else if (!shadow.error) {
        if (!parse_padded(parsers[1], shadow.body, shadow_doc) ||
            !read_prediction(shadow_doc, rules, result.shadow_prediction)) {
            return std::nullopt;
        }
    }
    if (production.error) {
        result.result = outcome::production_error;
        return result;
    }
    if (shadow.error) {
        result.result = outcome::shadow_error;
        return result;
    }
    if (!same_bytes) {
        const bool root_ignored =
            std::any_of(rules.ignore->begin(), rules.ignore->end(),
                        [](const json_pointer& pointer) { return pointer.tokens().empty(); });
        const std::uint64_t all_ignores = rules.ignore->size() == max_fast_ignores
                                              ? ~std::uint64_t{0}
                                              : (std::uint64_t{1} << rules.ignore->size()) - 1;
        if (root_ignored || !equal_walker(*rules.ignore, rules.numbers)
                                 .equal(production_doc, shadow_doc, all_ignores, 0)) {
            return std::nullopt;
        }
    }
    result.prediction_match =
        !result.production_prediction.is_null() && !result.shadow_prediction.is_null() &&
        values_equal(result.production_prediction, result.shadow_prediction, rules.numbers);
    result.status_match = production.status == shadow.status;
    result.body_match = true;
    result.result = result.status_match ? outcome::match : outcome::status_mismatch;
    return result;
}

}  // namespace

std::optional<comparison> compare_fast(const side_response& production, const side_response& shadow,
                                       const fast_rules& rules) {
    if (production.kind != body_kind::json || shadow.kind != body_kind::json ||
        rules.ignore->size() > max_fast_ignores) {
        return std::nullopt;
    }
    thread_local std::array<side_parser, 2> parsers;
    auto result = compare_parsed(parsers, production, shadow, rules);
    for (auto& side : parsers) {
        side.trim();
    }
    return result;
}

}  // namespace shadowproxy::compare::detail
