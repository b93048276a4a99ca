#include "shadowproxy/report/period.hpp"

#include <charconv>
#include <cmath>

namespace shadowproxy::report {

namespace {

bool digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
    if (at + count > text.size()) {
        return false;
    }
    const char* begin = text.data() + at;
    const auto [stop, code] = std::from_chars(begin, begin + count, out);
    return code == std::errc{} && stop == begin + count;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(int y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

}  // namespace

std::optional<double> parse_timestamp(std::string_view text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (text.size() < 20 || !digits(text, 0, 4, year) || text[4] != '-' ||
        !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
        (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(text, 11, 2, hour) ||
        text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
        !digits(text, 17, 2, second) || month < 1 || month > 12 || day < 1 || day > 31 ||
        hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    std::size_t at = 19;
    double fraction = 0.0;
    if (text[at] == '.') {
        const std::size_t begin = at;
        ++at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            ++at;
        }
        if (at == begin + 1) {
            return std::nullopt;
        }
        std::from_chars(text.data() + begin, text.data() + at, fraction);
    }
    int offset_minutes = 0;
    const std::string_view zone = text.substr(at);
    if (zone == "Z" || zone == "z") {
        offset_minutes = 0;
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
        int hours = 0, minutes = 0;
        if (!digits(zone, 1, 2, hours) || !digits(zone, 4, 2, minutes)) {
            return std::nullopt;
        }
        offset_minutes = (hours * 60 + minutes) * (zone[0] == '-' ? -1 : 1);
    } else {
        return std::nullopt;
    }
    const std::int64_t days = days_from_civil(year, month, day);
    const std::int64_t seconds =
        days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    return static_cast<double>(seconds) + fraction;
}

void period_tracker::add(std::string_view ts) {
    const auto at = parse_timestamp(ts);
    if (!at) {
        ++unparsed_;
        return;
    }
    if (!first_ || *at < *first_) {
        first_ = at;
        first_text_.assign(ts);
    }
    if (!last_ || *at > *last_) {
        last_ = at;
        last_text_.assign(ts);
    }
}

period_summary period_tracker::summarize(std::uint64_t records) const {
    period_summary out;
    out.unparsed = unparsed_;
    if (!first_) {
        return out;
    }
    out.first_ts = first_text_;
    out.last_ts = last_text_;
    out.duration_seconds = *last_ - *first_;
    if (*out.duration_seconds > 0) {
        out.requests_per_second = static_cast<double>(records) / *out.duration_seconds;
    }
    return out;
}

}  // namespace shadowproxy::report
