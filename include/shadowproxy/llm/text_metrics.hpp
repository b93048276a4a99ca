// Text agreement measures for generated answers (docs/records.md, llm_compare): similarity from
// the Levenshtein distance on Unicode code points, SQuAD-style token F1, and the length ratio.
//
// Pure functions of their arguments: any thread may call them; nothing throws but
// std::bad_alloc. Invalid UTF-8 is read byte by byte (each bad byte one code point), never an
// error. The cost of similarity() is bounded by max_chars (see below): a 1 MB answer costs about
// max_chars² cell updates, plus linear work.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace shadowproxy::llm {

// The code points of UTF-8 text; a byte that does not start a valid sequence is one code point
// of its own (its byte value + 0xDC00, a lone surrogate no valid text produces).
std::vector<char32_t> code_points(std::string_view text);

struct similarity_result {
    double value = 1.0;  // 1 - distance / max(length a, length b) in code points; 1 when both empty
    bool estimated = false;  // the distance is an upper bound (value a lower bound), see below
};

// The common prefix and suffix are cut first (linear, exact). When what is left of both texts
// is at most max_chars code points long, the distance is exact; otherwise both rests are cut
// into the same number of consecutive pieces in proportion to their lengths (each piece of the
// longer rest about max_chars² / its length long) and the pieces' distances are summed: an
// upper bound of the true distance (close to it for scattered edits), so the similarity is a
// lower bound and `estimated` is true. Either way the cost is about max_chars² cell updates.
similarity_result similarity(std::string_view a, std::string_view b, std::size_t max_chars);

// Levenshtein distance of two code point sequences (insert, delete, substitute, each 1).
std::size_t levenshtein(std::span<const char32_t> a, std::span<const char32_t> b);

// Tokens as token_f1 sees them: ASCII letters lower-cased, split at white space and ASCII
// punctuation; other code points belong to their token.
std::vector<std::string> tokens(std::string_view text);

// SQuAD-style F1 over the token multisets: 2·P·R / (P + R); 1 when both have no token, 0 when
// only one has none.
double token_f1(std::string_view a, std::string_view b);

// Length of b over length of a in code points; 1 when both are empty, none when only a is.
std::optional<double> length_ratio(std::string_view a, std::string_view b);

}  // namespace shadowproxy::llm
