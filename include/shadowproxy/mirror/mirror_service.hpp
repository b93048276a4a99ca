// The shadow side of the proxy: per-shadow bounded queues, dispatch to shadow upstreams, the
// join of production and shadow answers, comparison and records.
//
// Owned by the application. It runs its own io_context on its own thread (shadow I/O and, by
// default, the comparisons; mirror.compare_threads moves those to a compare_pool), so nothing a
// shadow does (slow, dead, flooding) can delay a production callback. Worker threads touch it
// through offer() and production_slot only: both are non-blocking and bounded, in copies and in
// bytes of request bodies (a copy over a bound, or for an ejected shadow, is dropped and
// counted). Mirror failures are counted and recorded, never surfaced to clients.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "shadowproxy/config/config.hpp"
#include "shadowproxy/llm/stream_observer.hpp"
#include "shadowproxy/metrics/registry.hpp"
#include "shadowproxy/mirror/byte_budget.hpp"
#include "shadowproxy/upstream/forwarded_request.hpp"
#include "shadowproxy/upstream/pool.hpp"
#include "shadowproxy/upstream/resolver.hpp"

namespace shadowproxy::logsink {
class record_sink;
}

namespace shadowproxy::mirror {

class compare_pool;
class live_stats;
class shadow;
struct comparison_pair;

// Production's answer as the comparison needs it: the prefix of its body the relay captured
// (at most compare.max_body_bytes), shared by every copy, and the whole body's length.
struct production_outcome {
    std::optional<metrics::upstream_error> error;
    unsigned status = 0;
    std::shared_ptr<const std::string> body;
    std::uint64_t bytes = 0;
    bool truncated = false;
    double latency_ms = 0;
    double ttfb_ms = 0;
    upstream::grpc_answer grpc;  // whether production's answer was gRPC, its grpc-status
    // What the LLM observer saw of the answer as it was relayed (compare.mode openai on a
    // matching path), else null.
    std::shared_ptr<const llm::observed_stream> llm;
    bool client_aborted = false;  // the client went away before the answer was relayed whole
    // Mirror thread: production's LLM metrics are counted by the first of its copies compared.
    mutable std::atomic<bool> llm_counted{false};
    // Mirror thread: the first copy compared feeds production's live statistics (live_record).
    mutable std::atomic<bool> live_counted{false};
};

// The shadows of one config snapshot. Workers hold it by shared_ptr next to their config.
struct shadow_set {
    std::vector<std::shared_ptr<shadow>> shadows;
};

// The production side's handle on the copies of one request. Move-only; completing it (or
// destroying it uncompleted, e.g. when the client went away) hands production's answer to
// every queued copy. Worker thread only.
class production_slot {
public:
    production_slot() = default;
    production_slot(production_slot&&) noexcept = default;
    production_slot& operator=(production_slot&& other) noexcept;
    production_slot(const production_slot&) = delete;
    production_slot& operator=(const production_slot&) = delete;
    ~production_slot();

    void complete(std::shared_ptr<const production_outcome> outcome);
    bool empty() const { return pairs_.empty(); }

private:
    friend class mirror_service;
    std::vector<std::shared_ptr<comparison_pair>> pairs_;
};

class mirror_service {
public:
    mirror_service(metrics::registry& metrics, logsink::record_sink& records, live_stats& live,
                   upstream::resolver& names);
    ~mirror_service();
    mirror_service(const mirror_service&) = delete;
    mirror_service& operator=(const mirror_service&) = delete;

    // Builds the shadows of a config; their hosts are watched by the resolver, never resolved
    // here, so a name that does not resolve only makes that shadow's copies dns_failed.
    // Control thread. Throws std::runtime_error when an https:// shadow's TLS files cannot be
    // loaded, before anything running changes.
    std::shared_ptr<const shadow_set> build(const std::shared_ptr<const config::config>& config);

    // Worker thread: applies each shadow's filter and sampling, queues the copies. Never blocks.
    production_slot offer(const shadow_set& shadows,
                          const std::shared_ptr<const upstream::forwarded_request>& request);

    // compare_threads: threads comparing answers besides the mirror thread (0: the mirror
    // thread compares too).
    void start(unsigned compare_threads);
    // Gives queued and in-flight shadow exchanges until `deadline`, then stops the threads.
    void drain(std::chrono::steady_clock::time_point deadline);

    boost::asio::io_context& context() { return context_; }

private:
    // Locking as usual, unlike the workers' contexts: a reload's old shadows (their pooled
    // connections) may be destroyed on whichever thread drops the last reference.
    boost::asio::io_context context_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    metrics::registry& metrics_;
    logsink::record_sink& records_;
    live_stats& live_;
    upstream::resolver& names_;
    std::atomic<std::int64_t> outstanding_{0};  // pairs not yet compared
    byte_budget total_bytes_{0};                // mirror.max_total_bytes, set by build()
    std::unique_ptr<compare_pool> compare_;
    std::thread thread_;
};

}  // namespace shadowproxy::mirror
