#include "shadowproxy/stats/quantiles.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace shadowproxy::stats {

namespace {

// Per power of two: 1/256 relative error.
constexpr int sub_bucket_bits = 7;
constexpr std::int32_t sub_buckets = 1 << sub_bucket_bits;
constexpr int min_exponent = -9;  // frexp exponent of 2^-10, the smallest kept value
constexpr double min_magnitude = 0x1p-10;
constexpr double max_magnitude = 0x1p30;

double clamp_unit(double q) {
    return std::clamp(q, 0.0, 1.0);
}

}  // namespace

std::optional<double> percentile_sorted(std::span<const double> sorted, double q) {
    if (sorted.empty()) {
        return std::nullopt;
    }
    const double rank = clamp_unit(q) * static_cast<double>(sorted.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(rank));
    if (below + 1 >= sorted.size()) {
        return sorted[sorted.size() - 1];
    }
    const double fraction = rank - static_cast<double>(below);
    return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
}

std::int32_t latency_sketch::key_of(double value) const {
    const double magnitude = std::min(std::fabs(value), max_magnitude);
    if (magnitude < min_magnitude) {
        return 0;
    }
    // frexp() read off the bits (nine of these per comparison): magnitude is a normal double
    // 1.f * 2^(e - 1023), so frexp's exponent is e - 1022, and (mantissa - 0.5) * 2 * sub_buckets
    // is f * sub_buckets exactly, truncated: the top sub_bucket_bits bits of f.
    const auto bits = std::bit_cast<std::uint64_t>(magnitude);
    const auto exponent = static_cast<std::int32_t>(bits >> 52) - 1022;
    const auto octave = exponent - min_exponent;
    const auto sub =
        static_cast<std::int32_t>((bits >> (52 - sub_bucket_bits)) & (sub_buckets - 1));
    const std::int32_t index = 1 + octave * sub_buckets + sub;
    return value < 0 ? -index : index;
}

double latency_sketch::value_of(std::int32_t key) {
    if (key == 0) {
        return 0.0;
    }
    const std::int32_t index = (key < 0 ? -key : key) - 1;
    const std::int32_t octave = index / sub_buckets;
    const std::int32_t sub = index % sub_buckets;
    const double base = std::ldexp(1.0, octave - 10);  // octave 0 starts at 2^-10
    const double width = base / sub_buckets;
    const double middle = base + width * (static_cast<double>(sub) + 0.5);
    return key < 0 ? -middle : middle;
}

std::uint64_t& latency_sketch::slot(std::int32_t key) {
    if (counts_.empty()) {
        min_key_ = key;
        counts_.assign(1, 0);
    } else if (key < min_key_) {
        counts_.insert(counts_.begin(), static_cast<std::size_t>(min_key_ - key), 0);
        min_key_ = key;
    } else if (static_cast<std::size_t>(key - min_key_) >= counts_.size()) {
        counts_.resize(static_cast<std::size_t>(key - min_key_) + 1, 0);
    }
    return counts_[static_cast<std::size_t>(key - min_key_)];
}

void latency_sketch::record(double value) {
    if (std::isnan(value)) {
        return;
    }
    ++slot(key_of(value));
    ++count_;
}

void latency_sketch::merge(const latency_sketch& other) {
    for (std::size_t i = 0; i < other.counts_.size(); ++i) {
        if (other.counts_[i] != 0) {
            slot(other.min_key_ + static_cast<std::int32_t>(i)) += other.counts_[i];
        }
    }
    count_ += other.count_;
}

void latency_sketch::clear() {
    counts_.clear();
    min_key_ = 0;
    count_ = 0;
}

double latency_sketch::value_at_rank(std::uint64_t rank) const {
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen > rank) {
            return value_of(min_key_ + static_cast<std::int32_t>(i));
        }
    }
    return value_of(min_key_ + static_cast<std::int32_t>(counts_.size()) - 1);
}

std::optional<double> latency_sketch::quantile(double q) const {
    if (count_ == 0) {
        return std::nullopt;
    }
    const double rank = clamp_unit(q) * static_cast<double>(count_ - 1);
    const auto below = static_cast<std::uint64_t>(std::floor(rank));
    const double low = value_at_rank(below);
    if (below + 1 >= count_) {
        return low;
    }
    const double high = value_at_rank(below + 1);
    return low + (rank - static_cast<double>(below)) * (high - low);
}

windowed_sketch::windowed_sketch(std::uint32_t window_seconds)
    : slots_(std::max<std::uint32_t>(window_seconds, 1)) {}

void windowed_sketch::record(double value, std::int64_t now_seconds) {
    const auto size = static_cast<std::int64_t>(slots_.size());
    auto& entry = slots_[static_cast<std::size_t>(((now_seconds % size) + size) % size)];
    if (entry.second != now_seconds) {
        entry.second = now_seconds;
        entry.sketch.clear();
    }
    entry.sketch.record(value);
}

latency_sketch windowed_sketch::snapshot(std::int64_t now_seconds) const {
    const auto size = static_cast<std::int64_t>(slots_.size());
    latency_sketch merged;
    for (const auto& entry : slots_) {
        if (entry.second <= now_seconds && entry.second > now_seconds - size) {
            merged.merge(entry.sketch);
        }
    }
    return merged;
}

void latency_store::record(double value) {
    if (mode_ == latency_mode::exact) {
        if (!std::isnan(value)) {
            values_.push_back(value);
            sorted_ = false;
        }
    } else {
        sketch_.record(value);
    }
}

std::uint64_t latency_store::count() const {
    return mode_ == latency_mode::exact ? values_.size() : sketch_.count();
}

std::optional<double> latency_store::quantile(double q) {
    if (mode_ == latency_mode::sketch) {
        return sketch_.quantile(q);
    }
    if (!sorted_) {
        std::sort(values_.begin(), values_.end());
        sorted_ = true;
    }
    return percentile_sorted(values_, q);
}

}  // namespace shadowproxy::stats
