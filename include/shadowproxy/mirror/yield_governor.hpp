// When the mirror thread yields its core to the workers. While it keeps up with what the workers
// hand it, it runs as SCHED_IDLE: a worker woken by a client preempts it at once instead of
// waiting for its time slice to end, and those waits were most of the latency the proxy added at
// partial load. Once its inbox (copies and comparisons posted to it, not yet started) reaches
// `high`, it is being starved: it goes back to SCHED_BATCH and its fair share of the core until
// the inbox is down to `low`, so as many copies reach the shadows at saturation as before.
// Without the right to leave SCHED_IDLE (platform::may_leave_idle) it is never enabled and the
// mirror thread stays SCHED_BATCH. docs/architecture.md, "How the threads share a core", has the
// measurements.
//
// Owned by mirror_service. posted(): any thread that posts to the mirror thread (workers, the
// mirror thread itself); started(): the mirror thread. The class changes under a mutex, and only
// when the inbox crosses a mark.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>

namespace shadowproxy::mirror {

class yield_governor {
public:
    // Puts the mirror thread in SCHED_IDLE (`yielding`) or SCHED_BATCH; false when refused.
    using apply_fn = std::function<bool(bool yielding)>;

    yield_governor(std::size_t high, std::size_t low) : high_(high), low_(low) {}

    // Control thread, once the mirror thread runs: it yields from now on, steered by its inbox.
    void enable(apply_fn apply);

    // A handler was posted to the mirror thread: counted, and the class changed if the inbox
    // crossed a mark.
    void posted();
    // The mirror thread started a posted handler.
    void started() noexcept { inbox_.fetch_sub(1, std::memory_order_relaxed); }

    bool yielding() const noexcept { return yielding_.load(std::memory_order_relaxed); }
    std::size_t inbox() const noexcept { return inbox_.load(std::memory_order_relaxed); }

private:
    void steer(bool yielding);

    const std::size_t high_;
    const std::size_t low_;
    std::atomic<std::size_t> inbox_{0};
    std::atomic<bool> enabled_{false};
    std::atomic<bool> yielding_{false};
    std::mutex changing_;
    apply_fn apply_;  // set once by enable(), before enabled_
};

}  // namespace shadowproxy::mirror
