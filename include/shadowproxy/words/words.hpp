// The words of the comparison records, declared once: the outcome of a comparison and why an
// exchange produced no valid HTTP response (the record's `outcome` and `error` values, the
// `outcome` and `error` labels of /metrics, the keys of /stats and `report`). compare, stats,
// metrics, admin and report all use these enums and names; none declares its own.
//
// Header-only constants and pure constexpr functions: any thread, nothing throws.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace shadowproxy::words {

// The enumerators are in the order of their names below; static_asserts keep the two in step.
enum class outcome : std::uint8_t {
    match,
    prediction_match,
    prediction_mismatch,
    status_mismatch,
    shadow_error,
    production_error
};
inline constexpr std::array<std::string_view, 6> outcome_names{
    "match",           "prediction_match", "prediction_mismatch",
    "status_mismatch", "shadow_error",     "production_error"};
static_assert(static_cast<std::size_t>(outcome::production_error) + 1 == outcome_names.size());

enum class exchange_error : std::uint8_t {
    connect_failed,
    timeout,
    bad_response,
    reset,
    dns_failed,
    tls_failed
};
inline constexpr std::array<std::string_view, 6> exchange_error_names{
    "connect_failed", "timeout", "bad_response", "reset", "dns_failed", "tls_failed"};
static_assert(static_cast<std::size_t>(exchange_error::tls_failed) + 1 ==
              exchange_error_names.size());

// Every value of an enum above, in order.
template <typename Enum, std::size_t N>
constexpr std::array<Enum, N> every(const std::array<std::string_view, N>&) {
    std::array<Enum, N> out{};
    for (std::size_t i = 0; i < N; ++i) {
        out[i] = static_cast<Enum>(i);
    }
    return out;
}
inline constexpr auto all_outcomes = every<outcome>(outcome_names);
inline constexpr auto all_exchange_errors = every<exchange_error>(exchange_error_names);

constexpr std::string_view to_string(outcome value) {
    return outcome_names[static_cast<std::size_t>(value)];
}
constexpr std::string_view to_string(exchange_error value) {
    return exchange_error_names[static_cast<std::size_t>(value)];
}

// The enum value named `name`, or nullopt for any other text.
template <typename Enum, std::size_t N>
constexpr std::optional<Enum> parse(const std::array<std::string_view, N>& names,
                                    std::string_view name) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == name) {
            return static_cast<Enum>(i);
        }
    }
    return std::nullopt;
}
constexpr std::optional<outcome> parse_outcome(std::string_view name) {
    return parse<outcome>(outcome_names, name);
}

}  // namespace shadowproxy::words
