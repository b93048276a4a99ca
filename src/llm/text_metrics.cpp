#include "shadowproxy/llm/text_metrics.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>

#include "shadowproxy/text/utf8.hpp"

namespace shadowproxy::llm {

namespace {

constexpr char32_t invalid_base = 0xDC00;

bool is_separator(char32_t c) {
    if (c >= 0x80) {
        return false;
    }
    const auto byte = static_cast<unsigned char>(c);
    return std::isspace(byte) != 0 || std::ispunct(byte) != 0;
}

}  // namespace

std::vector<char32_t> code_points(std::string_view text) {
    std::vector<char32_t> out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (const auto decoded = shadowproxy::text::decode_utf8(text, i)) {
            out.push_back(decoded->value);
            i += decoded->length;
        } else {
            out.push_back(invalid_base + static_cast<unsigned char>(text[i]));
            ++i;
        }
    }
    return out;
}

std::size_t levenshtein(std::span<const char32_t> a, std::span<const char32_t> b) {
    const auto& shorter = a.size() < b.size() ? a : b;
    const auto& longer = a.size() < b.size() ? b : a;
    // One row over the shorter text: memory O(min), time O(n·m).
    std::vector<std::size_t> row(shorter.size() + 1);
    for (std::size_t j = 0; j <= shorter.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= longer.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        const char32_t c = longer[i - 1];
        for (std::size_t j = 1; j <= shorter.size(); ++j) {
            const std::size_t above = row[j];
            const std::size_t substitute = diagonal + (shorter[j - 1] == c ? 0 : 1);
            row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
            diagonal = above;
        }
    }
    return row[shorter.size()];
}

similarity_result similarity(std::string_view a, std::string_view b, std::size_t max_chars) {
    if (a == b) {
        return {};
    }
    std::vector<char32_t> x = code_points(a);
    std::vector<char32_t> y = code_points(b);
    const std::size_t longest = std::max(x.size(), y.size());
    const auto prefix = static_cast<std::size_t>(
        std::mismatch(x.begin(), x.end(), y.begin(), y.end()).first - x.begin());
    x.erase(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(prefix));
    y.erase(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(prefix));
    const auto suffix = static_cast<std::size_t>(
        std::mismatch(x.rbegin(), x.rend(), y.rbegin(), y.rend()).first - x.rbegin());
    x.resize(x.size() - suffix);
    y.resize(y.size() - suffix);

    similarity_result result;
    std::size_t distance = 0;
    if (x.size() <= max_chars && y.size() <= max_chars) {
        distance = levenshtein(x, y);
    } else {
        // Both rests cut into the same number of consecutive pieces, in proportion to their
        // lengths: editing each piece into its partner is one way to edit the whole, so the sum
        // is an upper bound of the distance, close to it when the pieces stay aligned
        // (scattered edits). The pieces cost about max_chars² cell updates in all.
        result.estimated = true;
        const std::size_t rest = std::max(x.size(), y.size());
        const std::size_t piece = std::max<std::size_t>(1, max_chars * max_chars / rest);
        const std::size_t pieces = (rest + piece - 1) / piece;
        const std::span<const char32_t> a_rest{x};
        const std::span<const char32_t> b_rest{y};
        for (std::size_t i = 0; i < pieces; ++i) {
            const auto cut = [&](std::span<const char32_t> text) {
                const std::size_t from = text.size() * i / pieces;
                const std::size_t to = text.size() * (i + 1) / pieces;
                return text.subspan(from, to - from);
            };
            distance += levenshtein(cut(a_rest), cut(b_rest));
        }
        distance = std::min(distance, rest);
    }
    result.value = 1.0 - static_cast<double>(distance) / static_cast<double>(longest);
    return result;
}

std::vector<std::string> tokens(std::string_view text) {
    std::vector<std::string> out;
    std::string current;
    for (std::size_t i = 0; i < text.size();) {
        const auto decoded = shadowproxy::text::decode_utf8(text, i);
        const std::size_t length = decoded ? decoded->length : 1;
        if (decoded && is_separator(decoded->value)) {
            if (!current.empty()) {
                out.push_back(std::move(current));
                current.clear();
            }
        } else if (length == 1) {
            current.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
        } else {
            current.append(text.substr(i, length));
        }
        i += length;
    }
    if (!current.empty()) {
        out.push_back(std::move(current));
    }
    return out;
}

double token_f1(std::string_view a, std::string_view b) {
    const auto x = tokens(a);
    const auto y = tokens(b);
    if (x.empty() || y.empty()) {
        return x.empty() && y.empty() ? 1.0 : 0.0;
    }
    std::unordered_map<std::string_view, std::size_t> counts;
    for (const auto& token : x) {
        ++counts[token];
    }
    std::size_t common = 0;
    for (const auto& token : y) {
        if (auto found = counts.find(token); found != counts.end() && found->second > 0) {
            --found->second;
            ++common;
        }
    }
    if (common == 0) {
        return 0.0;
    }
    const double precision = static_cast<double>(common) / static_cast<double>(y.size());
    const double recall = static_cast<double>(common) / static_cast<double>(x.size());
    return 2 * precision * recall / (precision + recall);
}

std::optional<double> length_ratio(std::string_view a, std::string_view b) {
    const std::size_t x = code_points(a).size();
    const std::size_t y = code_points(b).size();
    if (x == 0) {
        return y == 0 ? std::optional<double>(1.0) : std::nullopt;
    }
    return static_cast<double>(y) / static_cast<double>(x);
}

}  // namespace shadowproxy::llm
