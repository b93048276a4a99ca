// Which requests a shadow gets: its match filter and hash-based sampling (docs/config.md `match`,
// `sample_rate`, `sample_key`). Pure functions, any thread.
#pragma once

#include <string_view>

#include "shadowproxy/config/config.hpp"

namespace shadowproxy::mirror {

// Method listed (exact, upper case) and path under one of the prefixes (all paths when none).
bool matches(const config::match_filter& filter, std::string_view method, std::string_view path);

// Deterministic in `key`: the same key gives the same answer in every process and replica, so a
// user is consistently in or out. rate 0 never samples, rate 1 always does.
bool sampled(double rate, std::string_view key);

// The value of header `name` (case-insensitive) in "Name: value\r\n" lines, or empty.
std::string_view find_header(std::string_view header_lines, std::string_view name);

}  // namespace shadowproxy::mirror
