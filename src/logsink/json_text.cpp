#include "logsink/json_text.hpp"

#include <charconv>
#include <cmath>

#include "shadowproxy/compare/json_values.hpp"
#include "shadowproxy/text/utf8.hpp"

namespace shadowproxy::logsink::detail {

namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

bool needs_escape(unsigned char c) {
    return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

void put_digits(std::string& out, long value, int width) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value < 0 ? -value : value);
    if (value < 0) {
        out.push_back('-');
    }
    for (auto len = end - digits; len < width; ++len) {
        out.push_back('0');
    }
    out.append(digits, end);
}

}  // namespace

void append_string(std::string& out, std::string_view text) {
    out.push_back('"');
    std::size_t run_start = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (!needs_escape(c)) {
            ++i;
            continue;
        }
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
        out += "null";
        return;
    }
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    out.append(buffer, end);
}

void append_millis(std::string& out, double milliseconds) {
    const double micros = std::round(milliseconds * 1000.0);
    // Below 1e8 µs, "whole.fraction" without trailing zeros is exactly what to_chars' shortest
    // form prints for micros / 1000 (at most 11 significant digits, never the exponent form),
    // at a fraction of the cost: three of these go into every record.
    if (!(micros >= 0.0 && micros < 1e8) || std::signbit(micros)) {
        append_number(out, micros / 1000.0);
        return;
    }
    const auto whole = static_cast<long>(micros);
    put_digits(out, whole / 1000, 1);
    long fraction = whole % 1000;
    if (fraction == 0) {
        return;
    }
    int width = 3;
    while (fraction % 10 == 0) {
        fraction /= 10;
        --width;
    }
    out.push_back('.');
    put_digits(out, fraction, width);
}

void append_timestamp(std::string& out, std::chrono::system_clock::time_point ts) {
    using namespace std::chrono;
    const auto micros = floor<microseconds>(ts);
    const auto day = floor<days>(micros);
    const year_month_day date{day};
    const hh_mm_ss time{micros - day};
    out.push_back('"');
    put_digits(out, static_cast<int>(date.year()), 4);
    out.push_back('-');
    put_digits(out, static_cast<unsigned>(date.month()), 2);
    out.push_back('-');
    put_digits(out, static_cast<unsigned>(date.day()), 2);
    out.push_back('T');
    put_digits(out, time.hours().count(), 2);
    out.push_back(':');
    put_digits(out, time.minutes().count(), 2);
    out.push_back(':');
    put_digits(out, static_cast<long>(time.seconds().count()), 2);
    out.push_back('.');
    put_digits(out, static_cast<long>(time.subseconds().count()), 6);
    out += "Z\"";
}

void append_json(std::string& out, const nlohmann::json& value) {
    if (value.is_string()) {
        append_string(out, value.get_ref<const std::string&>());
        return;
    }
    if (value.is_number_integer()) {
        // What dump() prints for an integer, without its serializer and temporary string.
        char digits[24];
        char* end = nullptr;
        if (value.is_number_unsigned()) {
            end = std::to_chars(digits, digits + sizeof(digits), value.get<std::uint64_t>()).ptr;
        } else {
            end = std::to_chars(digits, digits + sizeof(digits), value.get<std::int64_t>()).ptr;
        }
        out.append(digits, end);
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
