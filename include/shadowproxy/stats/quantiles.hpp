// Percentiles of latencies: exact (for `report`) and a bounded-memory sketch (for the live
// /stats endpoint), plus a 60-second sliding window of per-second sketches.
//
// Exact percentiles use pandas' default definition (numpy.percentile 'linear'): for sorted
// values x[0..n-1] and q in [0, 1], r = q * (n - 1), result x[floor r] + (r - floor r) *
// (x[floor r + 1] - x[floor r]).
//
// latency_sketch error bound: values are kept in log-linear buckets (128 linear sub-buckets per
// power of two) and each is represented by its bucket's midpoint, at most 1/256 (0.39%) away from
// the value. quantile(q) interpolates, as above, between the representatives of the elements of
// rank floor r and floor r + 1, so it is within 0.39% of the exact 'linear' percentile of the
// recorded values. Exceptions: |values| below 2^-10 (about 1 us when recording milliseconds)
// count as 0, and |values| above 2^30 are clamped to 2^30. Negative values are supported (paired
// latency differences). NaN is ignored. Memory is at most ~70 KiB per sketch, usually far less.
//
// None of these types is thread-safe: one owner thread records and queries. They never throw
// except std::bad_alloc.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace shadowproxy::stats {

// numpy 'linear' percentile of already sorted values; q is clamped to [0, 1]; nullopt if empty.
std::optional<double> percentile_sorted(std::span<const double> sorted, double q);

class latency_sketch {
public:
    void record(double value);
    void merge(const latency_sketch& other);
    std::uint64_t count() const { return count_; }
    // See the error bound above; nullopt when empty; q is clamped to [0, 1].
    std::optional<double> quantile(double q) const;
    void clear();

private:
    std::int32_t key_of(double value) const;
    static double value_of(std::int32_t key);
    double value_at_rank(std::uint64_t rank) const;
    std::uint64_t& slot(std::int32_t key);

    std::vector<std::uint64_t> counts_;  // counts_[i] counts key min_key_ + i
    std::int32_t min_key_ = 0;
    std::uint64_t count_ = 0;
};

// The last `window_seconds` seconds of values, one sketch per second; the caller passes its
// clock's whole seconds (monotonic), so tests can drive time.
class windowed_sketch {
public:
    explicit windowed_sketch(std::uint32_t window_seconds = 60);
    void record(double value, std::int64_t now_seconds);
    // Merge of the seconds in (now_seconds - window_seconds, now_seconds].
    latency_sketch snapshot(std::int64_t now_seconds) const;

private:
    struct second_slot {
        std::int64_t second = INT64_MIN;
        latency_sketch sketch;
    };
    std::vector<second_slot> slots_;
};

// Where latencies go in a shadow_accumulator: every value (exact percentiles, memory grows with
// the records) or a sketch (bounded memory, error bound above).
enum class latency_mode { exact, sketch };

// A side's latencies under either mode; percentiles are computed on demand.
class latency_store {
public:
    explicit latency_store(latency_mode mode) : mode_(mode) {}
    void record(double value);
    std::uint64_t count() const;
    // Sorts the exact values on first use after a record(); hence not const.
    std::optional<double> quantile(double q);

private:
    latency_mode mode_;
    std::vector<double> values_;
    bool sorted_ = true;
    latency_sketch sketch_;
};

}  // namespace shadowproxy::stats
