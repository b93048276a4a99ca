#include "shadowproxy/mirror/yield_governor.hpp"

#include <utility>

namespace shadowproxy::mirror {

void yield_governor::enable(apply_fn apply) {
    apply_ = std::move(apply);
    enabled_.store(true, std::memory_order_release);
    steer(true);
}

void yield_governor::posted() {
    const std::size_t inbox = inbox_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (!enabled_.load(std::memory_order_acquire)) {
        return;
    }
    const bool yielding = yielding_.load(std::memory_order_relaxed);
    if (yielding && inbox >= high_) {
        steer(false);
    } else if (!yielding && inbox <= low_) {
        steer(true);
    }
}

void yield_governor::steer(bool yielding) {
    const std::lock_guard lock(changing_);
    if (yielding_.load(std::memory_order_relaxed) == yielding) {
        return;  // another thread got there first
    }
    if (apply_(yielding)) {
        yielding_.store(yielding, std::memory_order_relaxed);
    } else {
        enabled_.store(false, std::memory_order_relaxed);  // not retried on every post
    }
}

}  // namespace shadowproxy::mirror
