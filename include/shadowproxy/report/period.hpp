// The period a comparison log covers: the first and last record timestamps ("ts", RFC 3339 UTC
// as the proxy writes it), the duration between them and the records per second over it.
//
// Used on the report's thread only. Timestamps that do not parse
// are ignored (counted), never fatal. Does not throw except std::bad_alloc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shadowproxy::report {

// Seconds since the Unix epoch of "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)".
std::optional<double> parse_timestamp(std::string_view text);

struct period_summary {
    std::string first_ts, last_ts;  // as written; empty without any valid ts
    std::optional<double> duration_seconds;
    std::optional<double> requests_per_second;  // records / duration, when duration > 0
    std::uint64_t unparsed = 0;                 // records whose ts is missing or invalid
};

class period_tracker {
public:
    void add(std::string_view ts);
    period_summary summarize(std::uint64_t records) const;

private:
    std::optional<double> first_, last_;
    std::string first_text_, last_text_;
    std::uint64_t unparsed_ = 0;
};

}  // namespace shadowproxy::report
