// One shadow upstream on the mirror thread: its bounded queue, its in-flight limit, its
// connection pool, and the comparison of its answers with production's.
//
// try_push() is called from worker threads and only touches an atomic and posts; everything
// else runs on the mirror io_context's thread. Owned by shared_ptr from the shadow_set of a
// config snapshot and from every queued copy, so a shadow replaced on reload finishes its work.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <string>

#include "shadowproxy/compare/comparator.hpp"
#include "shadowproxy/config/config.hpp"
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
    double queue_ms = 0;
    std::atomic<int> arrivals{0};
    std::atomic<std::int64_t>& outstanding;
};

struct shadow_context {
    boost::asio::io_context& mirror;
    metrics::registry& metrics;
    logsink::record_sink& records;
    live_stats& live;
    std::atomic<std::int64_t>& outstanding;
};

class shadow : public std::enable_shared_from_this<shadow> {
public:
    shadow(shadow_context context, const config::shadow_config& settings,
           std::shared_ptr<const config::config> config, upstream::upstream_settings upstream);

    const config::shadow_config& settings() const { return settings_; }
    metrics::shadow_family& family() { return family_; }
    std::size_t max_body_bytes() const { return config_->mirror.max_body_bytes; }
    boost::asio::io_context& context() { return context_.mirror; }

    // Worker thread: queue a copy unless the queue is full. Never blocks.
    bool try_push(std::shared_ptr<comparison_pair> pair);
    // Mirror thread: both answers are in; compare and write the record.
    void record(comparison_pair& pair);

private:
    void enqueue(std::shared_ptr<comparison_pair> pair);
    void pump();
    void on_answer(const std::shared_ptr<comparison_pair>& pair,
                   upstream::upstream_result&& answer);

    shadow_context context_;
    config::shadow_config settings_;
    std::shared_ptr<const config::config> config_;
    std::string extra_headers_;
    compare::comparator comparator_;
    metrics::shadow_family& family_;
    metrics::upstream_family& upstream_family_;
    std::shared_ptr<upstream::upstream_pool> pool_;
    std::atomic<std::size_t> depth_{0};
    std::deque<std::shared_ptr<comparison_pair>> waiting_;
    std::size_t in_flight_ = 0;
};

}  // namespace shadowproxy::mirror
