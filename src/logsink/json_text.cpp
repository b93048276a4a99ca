#include "logsink/json_text.hpp"

#include <array>
#include <charconv>
#include <cmath>

#include "shadowproxy/compare/json_values.hpp"
#include "shadowproxy/text/byte_scan.hpp"
#include "shadowproxy/text/utf8.hpp"

namespace shadowproxy::logsink::detail {

namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

// Writes value at p, its digits zero-padded to width, and returns the end. The caller's
// buffer holds a sign and 20 digits (or width, if more).
char* put_digits(char* p, long value, int width) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value < 0 ? -value : value);
    if (value < 0) {
        *p++ = '-';
    }
    for (auto len = end - digits; len < width; ++len) {
        *p++ = '0';
    }
    return put(p, {digits, static_cast<std::size_t>(end - digits)});
}

// Writes value (below 10^width) in exactly width digits at p and returns the end.
char* put_fixed(char* p, unsigned long value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return p + width;
}

}  // namespace

void append_string(std::string& out, std::string_view text) {
    out.push_back('"');
    std::size_t run_start = 0;
    std::size_t i = 0;
    // What cannot be copied as it is: controls, '"', '\\' and non-ASCII (checked as UTF-8).
    const auto next_escaped = [text](std::size_t from) {
        constexpr shadowproxy::text::stop_bytes escaped{'"', '\\', ' '};
        const char* const at =
            shadowproxy::text::find_stop(text.data() + from, text.data() + text.size(), escaped);
        return static_cast<std::size_t>(at - text.data());
    };
    while ((i = next_escaped(i)) < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        out.append(text.data() + run_start, i - run_start);
        if (c >= 0x80) {
            if (const auto decoded = shadowproxy::text::decode_utf8(text, i)) {
                out.append(text.data() + i, decoded->length);
                i += decoded->length;
            } else {
                out += replacement_character;
                ++i;
            }
        } else {
            switch (c) {
                case '"':
                    out += "\\\"";
                    break;
                case '\\':
                    out += "\\\\";
                    break;
                case '\n':
                    out += "\\n";
                    break;
                case '\r':
                    out += "\\r";
                    break;
                case '\t':
                    out += "\\t";
                    break;
                default: {
                    static constexpr char hex[] = "0123456789abcdef";
                    out += "\\u00";
                    out.push_back(hex[c >> 4]);
                    out.push_back(hex[c & 0xF]);
                }
            }
            ++i;
        }
        run_start = i;
    }
    out.append(text.data() + run_start, text.size() - run_start);
    out.push_back('"');
}

void append_number(std::string& out, double value) {
    if (!std::isfinite(value)) {
        out.append("null", 4);
        return;
    }
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    out.append(buffer, end);
}

char* put_millis(char* p, double milliseconds) {
    const double micros = std::round(milliseconds * 1000.0);
    // Below 1e8 µs, "whole.fraction" without trailing zeros is exactly what to_chars' shortest
    // form prints for micros / 1000 (at most 11 significant digits, never the exponent form),
    // at a fraction of the cost: three of these go into every record.
    if (!(micros >= 0.0 && micros < 1e8) || std::signbit(micros)) {
        const double value = micros / 1000.0;
        return std::isfinite(value) ? std::to_chars(p, p + 24, value).ptr : put(p, "null");
    }
    const auto whole = static_cast<unsigned long>(micros);
    p = std::to_chars(p, p + 24, whole / 1000).ptr;
    const unsigned long fraction = whole % 1000;
    if (fraction == 0) {
        return p;
    }
    *p++ = '.';
    char* end = put_fixed(p, fraction, 3);
    while (end[-1] == '0') {
        --end;
    }
    return end;
}

void append_millis(std::string& out, double milliseconds) {
    char text[24];
    out.append(text, put_millis(text, milliseconds));
}

char* put_timestamp(char* p, std::chrono::system_clock::time_point ts) {
    using namespace std::chrono;
    const auto micros = floor<microseconds>(ts);
    const auto second = floor<seconds>(micros);
    // Records come many a second: the date and time of day are formatted once a second.
    struct second_text {
        sys_seconds second = sys_seconds::min();
        std::array<char, 40> text{};  // at most 22: a quote, a year of 6, five fields of 3
        char* end = text.data();
    };
    thread_local second_text cached;
    if (cached.second != second) {
        const auto day = floor<days>(second);
        const year_month_day date{day};
        const hh_mm_ss time{second - day};
        char* q = cached.text.data();
        *q++ = '"';
        q = put_digits(q, static_cast<int>(date.year()), 4);
        *q++ = '-';
        q = put_digits(q, static_cast<unsigned>(date.month()), 2);
        *q++ = '-';
        q = put_digits(q, static_cast<unsigned>(date.day()), 2);
        *q++ = 'T';
        q = put_digits(q, time.hours().count(), 2);
        *q++ = ':';
        q = put_digits(q, time.minutes().count(), 2);
        *q++ = ':';
        q = put_digits(q, static_cast<long>(time.seconds().count()), 2);
        cached.second = second;
        cached.end = q;
    }
    p = put(p, {cached.text.data(), static_cast<std::size_t>(cached.end - cached.text.data())});
    *p++ = '.';
    p = put_fixed(p, static_cast<unsigned long>((micros - second).count()), 6);
    return put(p, "Z\"");
}

void append_json(std::string& out, const nlohmann::json& value) {
    if (value.is_string()) {
        append_string(out, value.get_ref<const std::string&>());
        return;
    }
    // Integers as dump() prints them, without its serializer and temporary string.
    if (value.is_number_unsigned()) {
        append_integer(out, value.get<std::uint64_t>());
        return;
    }
    if (value.is_number_integer()) {
        append_integer(out, value.get<std::int64_t>());
        return;
    }
    if (value.is_structured() && compare::deeper_than(value, compare::max_json_depth)) {
        append_string(out, "(value nested deeper than " + std::to_string(compare::max_json_depth) +
                               " levels)");
        return;
    }
    out += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace shadowproxy::logsink::detail
