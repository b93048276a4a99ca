// One shadow upstream on the mirror thread: its bounded queue, its in-flight limit, its
// connection pool, and the comparison of its answers with production's.
//
// ejected_now() and try_push() are called from worker threads and only touch atomics and post;
// everything else (the queue, ejection, the pool) runs on the mirror io_context's thread. Owned by
// shared_ptr from the shadow_set of a config snapshot and from every queued copy, so a shadow
// replaced on reload finishes its work.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mirror/compare_pool.hpp"
#include "shadowproxy/compare/comparator.hpp"
#include "shadowproxy/config/config.hpp"
#include "shadowproxy/llm/llm_compare.hpp"
#include "shadowproxy/llm/side.hpp"
#include "shadowproxy/llm/stream_observer.hpp"
#include "shadowproxy/mirror/byte_budget.hpp"
#include "shadowproxy/mirror/ejection.hpp"
#include "shadowproxy/mirror/live_stats.hpp"
#include "shadowproxy/mirror/mirror_service.hpp"
#include "shadowproxy/upstream/pool.hpp"

namespace shadowproxy::mirror {

class shadow;

// One (request, shadow) copy. Production and shadow each fill their half and arrive(); the
// second to arrive triggers the comparison, on the mirror thread.
struct comparison_pair {
    comparison_pair(std::shared_ptr<const upstream::forwarded_request> r, std::shared_ptr<shadow> s,
                    std::atomic<std::int64_t>& outstanding);
    ~comparison_pair();
    comparison_pair(const comparison_pair&) = delete;
    comparison_pair& operator=(const comparison_pair&) = delete;

    // True for the second caller: both halves are now filled in.
    bool arrive() { return arrivals.fetch_add(1, std::memory_order_acq_rel) == 1; }

    std::shared_ptr<const upstream::forwarded_request> request;
    std::shared_ptr<shadow> target;
    std::chrono::system_clock::time_point received = std::chrono::system_clock::now();
    std::chrono::steady_clock::time_point enqueued = std::chrono::steady_clock::now();
    std::shared_ptr<const production_outcome> production;  // written by the worker
    upstream::upstream_result answer;                      // written on the mirror thread
    std::shared_ptr<llm::stream_observer> observer;  // mirror thread: the shadow's answer, openai
    double queue_ms = 0;
    bool probe = false;    // mirror thread: the one copy that decides an ejected shadow's fate
    bool skipped = false;  // mirror thread, before arrive(): dropped from the queue, no record
    std::atomic<int> arrivals{0};
    std::atomic<std::int64_t>& outstanding;
    budget_hold budget;  // after `target`: released before the shadow it points into
};

struct shadow_context {
    boost::asio::io_context& mirror;
    compare_pool& compare;
    metrics::registry& metrics;
    logsink::record_sink& records;
    live_stats& live;
    std::atomic<std::int64_t>& outstanding;
    byte_budget& total_bytes;  // mirror.max_total_bytes, shared by every shadow
};

// The generated answers of both sides and their comparison (compare.mode openai), when each
// side's answer could be assembled.
struct generated_pair {
    std::optional<llm::side_answer> production, shadow;
    std::optional<llm::llm_comparison> result;
};

class shadow : public std::enable_shared_from_this<shadow> {
public:
    shadow(shadow_context context, const config::shadow_config& settings,
           std::shared_ptr<const config::config> config, upstream::upstream_settings upstream);

    const config::shadow_config& settings() const { return settings_; }
    metrics::shadow_family& family() { return family_; }
    std::size_t max_body_bytes() const { return config_->mirror.max_body_bytes; }
    boost::asio::io_context& context() { return context_.mirror; }

    // Worker thread: true while the shadow is ejected and no probe is due, so the copy is
    // dropped before it costs anything. One relaxed load when the shadow is healthy.
    bool ejected_now() const;
    // Worker thread: queue a copy unless the queue is full (queue_full) or its body does not
    // fit this shadow's or the total byte budget (memory_budget). Never blocks.
    std::optional<metrics::drop_reason> try_push(std::shared_ptr<comparison_pair>&& pair);
    // Worker or mirror thread: both answers are in; hands the pair to the compare pool.
    void compare(std::shared_ptr<comparison_pair> pair);
    // A compare pool thread or the mirror thread: compares and writes the record. Touches only
    // what is immutable or thread-safe (comparator, config, metrics, record sink, live stats).
    void record(comparison_pair& pair);

private:
    void enqueue(std::shared_ptr<comparison_pair> pair);
    void pump();
    void send(const std::shared_ptr<comparison_pair>& pair);
    void skip(const std::shared_ptr<comparison_pair>& pair);
    void on_answer(const std::shared_ptr<comparison_pair>& pair,
                   upstream::upstream_result&& answer);
    void update_ejection(const comparison_pair& pair, const upstream::upstream_result& answer);
    // Assembles and compares the generated answers; the outcome becomes match or
    // prediction_mismatch by exact_match when both could be assembled.
    generated_pair compare_generated(const production_outcome& production,
                                     const comparison_pair& pair,
                                     compare::comparison& result) const;
    void count_generated(const production_outcome& production, const generated_pair& generated);
    void publish_ejection();

    shadow_context context_;
    config::shadow_config settings_;
    std::shared_ptr<const config::config> config_;
    std::string extra_headers_;
    std::vector<std::string> owned_names_;  // set_headers names: client copies left out
    compare::comparator comparator_;
    metrics::shadow_family& family_;
    metrics::upstream_family& upstream_family_;
    metrics::upstream_family& production_family_;  // production's LLM metrics
    std::shared_ptr<upstream::upstream_pool> pool_;
    upstream::upstream_route route_;  // views into settings_ and pool_'s settings
    std::atomic<std::size_t> depth_{0};
    byte_budget queue_bytes_;
    std::deque<std::shared_ptr<comparison_pair>> waiting_;
    std::size_t in_flight_ = 0;
    ejection ejection_;
    // ejection_.ejected_until() in steady_clock ticks, for worker threads; `healthy` when not
    // ejected.
    static constexpr std::int64_t healthy = std::numeric_limits<std::int64_t>::min();
    std::atomic<std::int64_t> ejected_until_{healthy};
};

}  // namespace shadowproxy::mirror
