// Hand-written JSON text pieces for the comparison record: one record is built per mirrored
// request, so it is appended into a single string without building a DOM first.
//
// Private to logsink. Pure functions, any thread; they never throw except std::bad_alloc.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace shadowproxy::logsink::detail {

// A quoted JSON string. Invalid UTF-8 is replaced by U+FFFD, control characters are escaped,
// so the result is valid UTF-8 on one line whatever the input bytes.
void append_string(std::string& out, std::string_view text);

// The shortest text that reads back as value; null for NaN and infinities.
void append_number(std::string& out, double value);

// Milliseconds rounded to 3 decimals (whole microseconds).
void append_millis(std::string& out, double milliseconds);

// RFC 3339 UTC with microseconds: "2026-11-21T23:59:59.123456Z", quoted.
void append_timestamp(std::string& out, std::chrono::system_clock::time_point ts);

// A JSON value, compact; invalid UTF-8 inside strings replaced. Values nested deeper than
// compare::max_json_depth are written as a short string instead (nlohmann's dump recurses).
void append_json(std::string& out, const nlohmann::json& value);

}  // namespace shadowproxy::logsink::detail
