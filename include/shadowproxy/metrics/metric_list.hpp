// Every metric of /metrics, declared once: name (without the shadowproxy_ prefix), type, label
// names and help text. admin/prometheus.cpp writes each family's header from this list, and a
// unit test checks the README's metric table against it.
//
// Constants only: any thread, nothing throws. A name missing from the list is a compile error
// where metric() is used.
#pragma once

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string_view>

namespace shadowproxy::metrics {

struct metric_info {
    std::string_view name;
    std::string_view type;                   // counter | gauge | histogram
    std::array<std::string_view, 2> labels;  // empty entries unused
    std::string_view help;
};

inline constexpr std::array<metric_info, 26> metric_list{{
    {"requests_total",
     "counter",
     {"upstream", "code"},
     "Responses by upstream and HTTP status code (upstream=\"proxy\": the proxy's own answers to "
     "bad or excess client requests)."},
    {"upstream_latency_seconds",
     "histogram",
     {"upstream", ""},
     "Time from sending a request to an upstream to its complete response."},
    {"upstream_errors_total",
     "counter",
     {"upstream", "error"},
     "Exchanges that produced no valid HTTP response, by upstream and error."},
    {"mirror_queue_depth", "gauge", {"shadow", ""}, "Copies waiting in a shadow's queue."},
    {"mirror_queue_bytes",
     "gauge",
     {"shadow", ""},
     "Request body bytes of a shadow's queued and in-flight copies."},
    {"shadow_ejected",
     "gauge",
     {"shadow", ""},
     "1 while a shadow is ejected after consecutive connection failures."},
    {"shadow_paused",
     "gauge",
     {"shadow", ""},
     "1 while a shadow is paused through the admin API, else 0."},
    {"shadow_sample_rate_override",
     "gauge",
     {"shadow", ""},
     "Sample rate set through the admin API (no sample while the config's applies)."},
    {"mirror_eligible_total",
     "counter",
     {"shadow", ""},
     "Requests that matched a shadow's filter (before sampling)."},
    {"mirror_sent_total", "counter", {"shadow", ""}, "Copies that left for a shadow."},
    {"mirror_dropped_total",
     "counter",
     {"shadow", "reason"},
     "Copies not sent to a shadow, by reason."},
    {"comparisons_total",
     "counter",
     {"shadow", "outcome"},
     "Comparison records by shadow and outcome."},
    {"status_mismatches_total",
     "counter",
     {"shadow", ""},
     "Comparisons whose production and shadow statuses differ."},
    {"shadow_server_errors_total",
     "counter",
     {"shadow", ""},
     "Shadow answers with an HTTP status of 500 or more (counted as errors)."},
    {"log_records_dropped_total",
     "counter",
     {"", ""},
     "Comparison records dropped because the writer fell behind or failed."},
    {"log_records_written_total", "counter", {"", ""}, "Comparison records written to the log."},
    {"config_reloads_total",
     "counter",
     {"result", ""},
     "Config reloads (SIGHUP or a change of the watched file) by result."},
    {"feature_missing_total",
     "counter",
     {"feature", ""},
     "Mirrored requests whose feature was absent (key or array position missing)."},
    {"feature_null_total",
     "counter",
     {"feature", ""},
     "Mirrored requests whose feature was present and null."},
    {"client_connections_rejected_total",
     "counter",
     {"", ""},
     "Client connections refused with 503 (TLS: closed) over limits.max_connections."},
    {"client_tls_handshake_failures_total",
     "counter",
     {"", ""},
     "Client connections closed because their TLS handshake failed or timed out."},
    {"accept_errors_total",
     "counter",
     {"reason", ""},
     "Failed accepts of client connections by reason (accepting pauses meanwhile)."},
    {"llm_ttft_seconds",
     "histogram",
     {"upstream", ""},
     "Time to first token (compare.mode openai): from sending the request to the first event "
     "carrying content."},
    {"llm_text_similarity",
     "histogram",
     {"shadow", ""},
     "Text similarity of a shadow's generated answer to production's (compare.mode openai)."},
    {"llm_output_tokens_total",
     "counter",
     {"upstream", ""},
     "Output tokens of generated answers by upstream (usage, else counted content events)."},
    {"request_trailer_fields_dropped_total",
     "counter",
     {"", ""},
     "Chunked request trailer fields dropped (never forwarded as header fields)."},
}};

// The entry named `name`; evaluated at compile time, so an unknown name does not compile.
consteval const metric_info& metric(std::string_view name) {
    for (const auto& m : metric_list) {
        if (m.name == name) {
            return m;
        }
    }
    throw std::logic_error("metric not in metric_list");
}

}  // namespace shadowproxy::metrics
