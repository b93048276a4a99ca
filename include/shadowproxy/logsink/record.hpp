// Serialises one docs/records.md comparison record as one JSON line.
//
// Called on the shadow thread for every comparison (any thread may call it: it is a pure
// function of its arguments). It never throws except std::bad_alloc: invalid UTF-8 anywhere is
// replaced by U+FFFD and the result never contains a raw newline before its final '\n'.
//
// Field order: ts, request_id, method, path,
//   production {name, status, latency_ms, ttfb_ms, bytes, error, prediction[, llm][, body]
//               [, truncated]},
//   shadow {name, status, latency_ms, ttfb_ms, queue_ms, bytes, error, prediction[, llm]
//           [, body][, truncated]},
//   outcome, prediction_match, status_match, body_match (null when a side is truncated),
//   diffs [{pointer, production, shadow[, missing]}],
//   [llm_compare]        when both sides' generated answers were assembled (compare.mode openai),
//   [reference: "noise"] on the noise reference's records,
//   [client_aborted: true] when the client went away before production's answer was relayed,
//   [features, features_truncated]            when record_fields::features is set,
//   [request_body, request_body_truncated, truncated]  when log.include_bodies is true; the
//   top-level truncated is true when any of the three bodies was cut.
// * status is null and error is the error word when the exchange failed, else error is null.
// * latency_ms (to the last byte), ttfb_ms (to the first) and queue_ms are rounded to 3
//   decimals (whole microseconds). bytes is the whole body's length, also when only a prefix
//   was kept; a side's truncated is true when that side's answer was longer than
//   compare.max_body_bytes (the comparator saw a prefix) and is then always present.
// * Bodies (include_bodies): a body of at most body_limit_bytes that parses as JSON is written
//   as that JSON value (compact); otherwise as a string. A longer body is cut to
//   body_limit_bytes (never inside a UTF-8 sequence), written as a string, and its flag
//   (truncated / request_body_truncated) is true; the flags are always present then.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "shadowproxy/compare/comparator.hpp"
#include "shadowproxy/config/config.hpp"
#include "shadowproxy/llm/llm_compare.hpp"
#include "shadowproxy/llm/side.hpp"

namespace shadowproxy::logsink {

struct record_fields {
    std::chrono::system_clock::time_point ts;
    std::string_view request_id;
    std::string_view method;
    std::string_view path;  // without the query string
    std::string_view production_name;
    std::string_view shadow_name;
    const compare::side_response* production = nullptr;  // body used for bytes / include_bodies
    const compare::side_response* shadow = nullptr;
    double queue_ms = 0;
    const compare::comparison* result = nullptr;
    std::string_view request_body;             // used only with include_bodies
    const nlohmann::json* features = nullptr;  // docs/report.md: emitted as "features" when set
    bool features_truncated = false;
    const llm::side_answer* production_llm = nullptr;  // written as the side's "llm" when set
    const llm::side_answer* shadow_llm = nullptr;
    const llm::llm_comparison* llm_compare = nullptr;
    bool noise_reference = false;  // "reference": "noise"
    bool client_aborted = false;
};

// One record, ending in '\n'. Null side/result pointers are written as empty answers.
std::string format_record(const record_fields& fields, const config::log_config& settings);

// Whether header_name is listed in log.redact_headers (ASCII case-insensitive). Records never
// carry headers; this is for the operational log.
bool is_redacted(std::string_view header_name, const config::log_config& settings);

}  // namespace shadowproxy::logsink
