#include "shadowproxy/mirror/byte_budget.hpp"

#include <utility>

namespace shadowproxy::mirror {

bool byte_budget::try_reserve(std::uint64_t bytes) {
    const std::uint64_t limit = limit_.load(std::memory_order_relaxed);
    std::uint64_t current = used_.load(std::memory_order_relaxed);
    do {
        if (bytes > limit || current > limit - bytes) {
            return false;
        }
    } while (!used_.compare_exchange_weak(current, current + bytes, std::memory_order_relaxed));
    return true;
}

budget_hold& budget_hold::operator=(budget_hold&& other) noexcept {
    if (this != &other) {
        release();
        shadow_ = std::exchange(other.shadow_, nullptr);
        total_ = std::exchange(other.total_, nullptr);
        shown_ = std::exchange(other.shown_, nullptr);
        bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
}

bool budget_hold::acquire(budget_hold& out, byte_budget& shadow, byte_budget& total,
                          metrics::gauge* shown, std::uint64_t bytes) {
    out.release();
    if (!shadow.try_reserve(bytes)) {
        return false;
    }
    if (!total.try_reserve(bytes)) {
        shadow.release(bytes);
        return false;
    }
    out.shadow_ = &shadow;
    out.total_ = &total;
    out.shown_ = shown;
    out.bytes_ = bytes;
    if (shown) {
        shown->add(static_cast<std::int64_t>(bytes));
    }
    return true;
}

void budget_hold::release() {
    if (!shadow_) {
        return;
    }
    shadow_->release(bytes_);
    total_->release(bytes_);
    if (shown_) {
        shown_->add(-static_cast<std::int64_t>(bytes_));
    }
    shadow_ = nullptr;
    total_ = nullptr;
    shown_ = nullptr;
    bytes_ = 0;
}

}  // namespace shadowproxy::mirror
