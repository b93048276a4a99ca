// RFC 6901 JSON pointers: parsed once (config load, comparator construction), then used to read
// or remove one value of a parsed document.
//
// A json_pointer is an immutable value; any thread may use a shared one. parse() reports bad
// syntax with nullopt; find() and erase() never throw and treat anything absent (missing key,
// index out of range, "-", a leading zero, a step into a scalar) as "not there".
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shadowproxy::compare {

class json_pointer {
public:
    // "" is the whole document; otherwise the text must start with '/', and '~' may only be
    // followed by '0' or '1'.
    static std::optional<json_pointer> parse(std::string_view text);

    // The value the pointer names, or nullptr. Array indices are decimal without leading zeros.
    const nlohmann::json* find(const nlohmann::json& doc) const;

    // Removes the target when present and says whether it was. The root cannot be detached from
    // its owner, so erasing "" replaces the whole document with null.
    bool erase(nlohmann::json& doc) const;

    const std::string& str() const { return text_; }
    const std::vector<std::string>& tokens() const { return tokens_; }

    // One reference token escaped for use in a pointer: '~' becomes "~0", '/' becomes "~1".
    static std::string escape(std::string_view token);
    static void append_escaped(std::string& out, std::string_view token);

private:
    json_pointer(std::string text, std::vector<std::string> tokens)
        : text_(std::move(text)), tokens_(std::move(tokens)) {}

    std::string text_;
    std::vector<std::string> tokens_;  // unescaped
};

// The array index a token names, or nullopt when it is not a canonical decimal index.
std::optional<std::size_t> parse_array_index(std::string_view token);

}  // namespace shadowproxy::compare
