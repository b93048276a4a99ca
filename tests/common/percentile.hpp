// numpy's default ('linear') percentile, written independently of stats:: so tests can check
// the proxy's and the report's percentiles against it. Header-only; pure; values non-empty.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace shadowproxy::test_support {

inline double percentile(std::vector<double> values, double q) {
    std::sort(values.begin(), values.end());
    const double rank = q * static_cast<double>(values.size() - 1);
    const auto low = static_cast<std::size_t>(std::floor(rank));
    const auto high = std::min(low + 1, values.size() - 1);
    return values[low] + (rank - static_cast<double>(low)) * (values[high] - values[low]);
}

}  // namespace shadowproxy::test_support
