#include "common/regex_pattern.hpp"

#include <regex>

namespace shadowproxy::test_support {
namespace {

std::vector<std::string> groups_of(const std::smatch& match) {
    std::vector<std::string> groups;
    groups.reserve(match.size());
    for (const auto& group : match) {
        groups.push_back(group.str());
    }
    return groups;
}

}  // namespace

struct regex_pattern::compiled {
    std::regex expression;
};

regex_pattern::regex_pattern(const std::string& expression)
    : compiled_(std::make_unique<compiled>(compiled{std::regex(expression)})) {}

regex_pattern::~regex_pattern() = default;
regex_pattern::regex_pattern(regex_pattern&&) noexcept = default;
regex_pattern& regex_pattern::operator=(regex_pattern&&) noexcept = default;

bool regex_pattern::matches(const std::string& text) const {
    return std::regex_match(text, compiled_->expression);
}

std::vector<std::string> regex_pattern::match_groups(const std::string& text) const {
    std::smatch match;
    if (!std::regex_match(text, match, compiled_->expression)) {
        return {};
    }
    return groups_of(match);
}

std::vector<std::string> regex_pattern::search(const std::string& text) const {
    std::smatch match;
    if (!std::regex_search(text, match, compiled_->expression)) {
        return {};
    }
    return groups_of(match);
}

std::vector<std::vector<std::string>> regex_pattern::search_all(const std::string& text) const {
    std::vector<std::vector<std::string>> matches;
    for (std::sregex_iterator it(text.begin(), text.end(), compiled_->expression), end; it != end;
         ++it) {
        matches.push_back(groups_of(*it));
    }
    return matches;
}

std::string regex_pattern::replace_all(const std::string& text, const std::string& format) const {
    return std::regex_replace(text, compiled_->expression, format);
}

}  // namespace shadowproxy::test_support
