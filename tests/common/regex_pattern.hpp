// A regular expression for tests (ECMAScript syntax, as std::regex), compiled once in
// regex_pattern.cpp: <regex> costs about 5 s of compile time in every file that instantiates it,
// so test files use this instead of including <regex>. Owned by the test that makes it; a const
// pattern may be used from several threads. A bad expression throws std::regex_error.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace shadowproxy::test_support {

class regex_pattern {
public:
    explicit regex_pattern(const std::string& expression);
    ~regex_pattern();
    regex_pattern(regex_pattern&&) noexcept;
    regex_pattern& operator=(regex_pattern&&) noexcept;
    regex_pattern(const regex_pattern&) = delete;
    regex_pattern& operator=(const regex_pattern&) = delete;

    // True when the whole text matches (std::regex_match).
    bool matches(const std::string& text) const;
    // The groups of a whole-text match: [0] the text, [1..] each capture group ("" when it took
    // no part); empty when the text does not match.
    std::vector<std::string> match_groups(const std::string& text) const;
    // The first match anywhere in the text (std::regex_search), as match_groups gives it.
    std::vector<std::string> search(const std::string& text) const;
    // Every match, left to right, each as search gives it (std::sregex_iterator).
    std::vector<std::vector<std::string>> search_all(const std::string& text) const;
    // The text with every match replaced by format ($&, $1, ... as std::regex_replace).
    std::string replace_all(const std::string& text, const std::string& format) const;

private:
    struct compiled;
    std::unique_ptr<compiled> compiled_;
};

}  // namespace shadowproxy::test_support
