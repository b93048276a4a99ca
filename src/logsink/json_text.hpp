// Hand-written JSON text pieces for the comparison record: one record is built per mirrored
// request, so it is appended into a single string without building a DOM first.
//
// Private to logsink. Pure functions, any thread; they never throw except std::bad_alloc.
#pragma once

#include <charconv>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace shadowproxy::logsink::detail {

// A quoted JSON string. Invalid UTF-8 is replaced by U+FFFD, control characters are escaped,
// so the result is valid UTF-8 on one line whatever the input bytes.
void append_string(std::string& out, std::string_view text);

// Stack-buffer pieces for the record's runs of fixed words and numbers: each writes at p and
// returns the end, so a run costs one append instead of one per piece. The caller's buffer
// must hold the bound each one gives.
inline char* put(char* p, std::string_view text) {
    std::memcpy(p, text.data(), text.size());
    return p + text.size();
}

// An integer in decimal: at most 20 digits and a sign.
template <typename Integer>
char* put_integer(char* p, Integer value) {
    return std::to_chars(p, p + 24, value).ptr;
}

// Milliseconds rounded to 3 decimals (whole microseconds): at most 24 characters.
char* put_millis(char* p, double milliseconds);

// RFC 3339 UTC with microseconds, quoted: "2026-11-21T23:59:59.123456Z", at most 48 characters.
char* put_timestamp(char* p, std::chrono::system_clock::time_point ts);

template <typename Integer>
void append_integer(std::string& out, Integer value) {
    char digits[24];
    out.append(digits, put_integer(digits, value));
}

// The shortest text that reads back as value; null for NaN and infinities.
void append_number(std::string& out, double value);

void append_millis(std::string& out, double milliseconds);

// A JSON value, compact; invalid UTF-8 inside strings replaced. Values nested deeper than
// compare::max_json_depth are written as a short string instead (nlohmann's dump recurses).
void append_json(std::string& out, const nlohmann::json& value);

}  // namespace shadowproxy::logsink::detail
