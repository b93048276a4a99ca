#include "report/text_format.hpp"

#include <cstdio>

namespace shadowproxy::report::text {

std::string format(const char* pattern, double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, pattern, value);
    return buffer;
}

std::string percent(const std::optional<double>& value) {
    return value ? format("%.2f%%", *value * 100.0) : "n/a";
}

std::string number(const std::optional<double>& value, const char* pattern) {
    return value ? format(pattern, *value) : "n/a";
}

std::string fit(std::string text, std::size_t width) {
    if (text.size() > width) {
        text = text.substr(0, width - 1) + "~";
    }
    return text;
}

std::string pad_left(const std::string& text, std::size_t width) {
    return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

std::string pad_right(const std::string& text, std::size_t width) {
    return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

std::string interval_text(const stats::interval& ci) {
    return "95% CI " + percent(ci.low) + " - " + percent(ci.high);
}

}  // namespace shadowproxy::report::text
