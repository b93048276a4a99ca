// Small text helpers of `report --format text`: numbers, percentages, padding within the
// report's 100 columns. Private to report; pure functions, any thread, no throw but bad_alloc.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "shadowproxy/stats/agreement.hpp"

namespace shadowproxy::report::text {

inline constexpr std::size_t label_width = 14;
inline constexpr std::size_t page_width = 100;

std::string format(const char* pattern, double value);
// "12.34%", or "n/a" when undefined.
std::string percent(const std::optional<double>& value);
std::string number(const std::optional<double>& value, const char* pattern = "%.4f");
// Cut to width with a trailing '~' when longer.
std::string fit(std::string text, std::size_t width);
std::string pad_left(const std::string& text, std::size_t width);
std::string pad_right(const std::string& text, std::size_t width);
// "95% CI 1.00% - 2.00%"
std::string interval_text(const stats::interval& ci);

}  // namespace shadowproxy::report::text
