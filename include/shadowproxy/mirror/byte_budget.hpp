// Memory budgets of the mirror path, in bytes of request bodies: one per shadow
// (mirror.max_queue_bytes) and one for all shadows together (mirror.max_total_bytes).
//
// A byte_budget is a lock-free counter with a ceiling, shared by the worker threads that reserve
// (when a copy is queued) and the mirror thread that releases (when the copy's exchange ends or
// it is dropped). A budget_hold is the RAII reservation one copy carries: it reserves in the
// shadow's budget and then in the total one, or in neither, and gives both back once. Nothing
// here blocks or throws; a reservation over either ceiling simply fails.
#pragma once

#include <atomic>
#include <cstdint>

#include "shadowproxy/metrics/registry.hpp"

namespace shadowproxy::mirror {

class byte_budget {
public:
    explicit byte_budget(std::uint64_t limit) : limit_(limit) {}
    // A new limit applies to later reservations; what is held stays held (a reload may lower
    // the limit below what is in use, and that drains as copies end).
    void set_limit(std::uint64_t limit) { limit_.store(limit, std::memory_order_relaxed); }
    byte_budget(const byte_budget&) = delete;
    byte_budget& operator=(const byte_budget&) = delete;

    // Adds `bytes` unless that would pass the limit. A zero-byte reservation always succeeds.
    bool try_reserve(std::uint64_t bytes);
    void release(std::uint64_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }

    std::uint64_t used() const { return used_.load(std::memory_order_relaxed); }
    std::uint64_t limit() const { return limit_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> limit_;
    std::atomic<std::uint64_t> used_{0};
};

class budget_hold {
public:
    budget_hold() = default;
    budget_hold(budget_hold&& other) noexcept { *this = std::move(other); }
    budget_hold& operator=(budget_hold&& other) noexcept;
    budget_hold(const budget_hold&) = delete;
    budget_hold& operator=(const budget_hold&) = delete;
    ~budget_hold() { release(); }

    // Reserves `bytes` in `shadow` and `total`, or in neither (then the hold stays empty and
    // false is returned). `shown` mirrors the shadow's reservation for /metrics; it may be null.
    static bool acquire(budget_hold& out, byte_budget& shadow, byte_budget& total,
                        metrics::gauge* shown, std::uint64_t bytes);

    void release();
    bool holds() const { return shadow_ != nullptr; }

private:
    byte_budget* shadow_ = nullptr;
    byte_budget* total_ = nullptr;
    metrics::gauge* shown_ = nullptr;
    std::uint64_t bytes_ = 0;
};

}  // namespace shadowproxy::mirror
