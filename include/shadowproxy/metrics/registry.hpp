// Counters, gauges and histograms of docs/operations.md declared once and shared by the code that
// increments them and the Prometheus exposition.
//
// Owned by the application and passed by reference. Every increment is a relaxed atomic, so any
// thread may update any metric without a lock; families are looked up by name only when a config
// snapshot is built (registration takes a mutex), never per request. Entries are never removed:
// label cardinality is bounded by the upstreams ever configured in this process.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "shadowproxy/words/words.hpp"

namespace shadowproxy::metrics {

class counter {
public:
    void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

class gauge {
public:
    void add(std::int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
    void set(std::int64_t n) { value_.store(n, std::memory_order_relaxed); }
    std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> value_{0};
};

// A histogram with fixed buckets; Bounds::values are the upper bounds, ascending.
template <typename Bounds>
class basic_histogram {
public:
    static constexpr const auto& bounds = Bounds::values;

    void observe(double value) {
        const auto it = std::lower_bound(bounds.begin(), bounds.end(), value);
        buckets_[static_cast<std::size_t>(it - bounds.begin())].inc();
        count_.inc();
        sum_nano_.inc(value > 0 ? static_cast<std::uint64_t>(value * 1e9) : 0);
    }
    // Cumulative count for bucket i (i == bounds.size() is +Inf), as Prometheus wants it.
    std::vector<std::uint64_t> cumulative() const {
        std::vector<std::uint64_t> out(buckets_.size());
        std::uint64_t running = 0;
        for (std::size_t i = 0; i < buckets_.size(); ++i) {
            running += buckets_[i].value();
            out[i] = running;
        }
        return out;
    }
    std::uint64_t count() const { return count_.value(); }
    double sum() const { return static_cast<double>(sum_nano_.value()) / 1e9; }

private:
    std::array<counter, bounds.size() + 1> buckets_;
    counter count_;
    counter sum_nano_;  // the sum in billionths, so it stays an atomic integer
};

// Latency buckets from 0.5 ms to 10 s (seconds).
struct latency_bounds {
    static constexpr std::array<double, 15> values{
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0};
};
// Text similarity buckets (0 to 1), finer near 1 where candidates worth promoting are.
struct similarity_bounds {
    static constexpr std::array<double, 12> values{0.1, 0.2, 0.3, 0.4,  0.5,  0.6,
                                                   0.7, 0.8, 0.9, 0.95, 0.99, 1.0};
};
using histogram = basic_histogram<latency_bounds>;
using similarity_histogram = basic_histogram<similarity_bounds>;

// Exchange failures that produced no valid HTTP response (words/words.hpp).
using upstream_error = words::exchange_error;

struct upstream_family {
    static constexpr unsigned max_code = 600;
    std::array<counter, max_code> requests_by_code;  // requests_total{upstream,code}
    histogram latency;                               // upstream_latency_seconds{upstream}
    histogram ttft;                                  // llm_ttft_seconds{upstream}
    counter output_tokens;                           // llm_output_tokens_total{upstream}
    std::array<counter, words::exchange_error_names.size()> errors;  // upstream_errors_total

    void count_response(unsigned code) { requests_by_code[code < max_code ? code : 0].inc(); }
    void count_error(upstream_error e) { errors[static_cast<std::size_t>(e)].inc(); }
};

enum class drop_reason { queue_full, body_too_large, memory_budget, shadow_ejected, streaming_rpc };
inline constexpr std::array<const char*, 5> drop_reason_names{
    "queue_full", "body_too_large", "memory_budget", "shadow_ejected", "streaming_rpc"};

struct shadow_family {
    counter eligible;   // mirror_eligible_total{shadow}
    counter sent;       // mirror_sent_total{shadow}
    gauge queue_depth;  // mirror_queue_depth{shadow}
    gauge queue_bytes;  // mirror_queue_bytes{shadow}: request bodies queued and in flight
    gauge ejected;      // shadow_ejected{shadow}: 1 while ejected
    std::array<counter, drop_reason_names.size()> dropped;  // mirror_dropped_total{shadow,reason}
    std::array<counter, words::outcome_names.size()> comparisons;  // comparisons_total
    counter status_mismatches;             // status_mismatches_total{shadow}: status_match false
    counter shadow_server_errors;          // shadow_server_errors_total{shadow}: status >= 500
    similarity_histogram text_similarity;  // llm_text_similarity{shadow}

    // Operator overrides set through the admin API. Kept here because a family lives as long as
    // the process and is found by the shadow's name, so they outlive reloads; resume clears both.
    std::atomic<bool> paused{false};                 // shadow_paused{shadow}
    std::atomic<double> sample_rate_override{-1.0};  // < 0: none, the config's rate applies

    void count_drop(drop_reason r) { dropped[static_cast<std::size_t>(r)].inc(); }
};

// Why accepting a client connection failed (accept_errors_total{reason}).
enum class accept_error { process_file_limit, system_file_limit, out_of_memory, other };
inline constexpr std::array<const char*, 4> accept_error_names{
    "process_file_limit", "system_file_limit", "out_of_memory", "other"};

class registry {
public:
    // Returns the family for this name, creating it on first use. The reference stays valid
    // for the registry's lifetime.
    upstream_family& upstream(const std::string& name);
    shadow_family& shadow(const std::string& name);

    // The shadows of the live config: /metrics exposes queue depth for each of them.
    void set_active_shadows(std::vector<std::string> names);

    counter config_reloads_success;
    counter config_reloads_failure;
    counter client_connections_rejected;     // over limits.max_connections
    counter client_tls_handshake_failures;   // listener handshakes failed or timed out
    counter request_trailer_fields_dropped;  // chunked trailer fields, never forwarded
    std::array<counter, accept_error_names.size()> accept_errors;
    void count_accept_error(accept_error e) { accept_errors[static_cast<std::size_t>(e)].inc(); }

    // Snapshots for the exposition: name → family, sorted by name.
    std::vector<std::pair<std::string, const upstream_family*>> upstreams() const;
    std::vector<std::pair<std::string, const shadow_family*>> shadows() const;
    std::vector<std::string> active_shadows() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<upstream_family>> upstreams_;
    std::map<std::string, std::unique_ptr<shadow_family>> shadows_;
    std::vector<std::string> active_shadows_;
};

}  // namespace shadowproxy::metrics
