// Agreement statistics: the Wilson score interval of a rate and Cohen's kappa of a confusion
// matrix. Pure functions of their arguments, shared by `report` and the live /stats endpoint;
// any thread may call them. They never throw except on malformed input (a non-square matrix).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace shadowproxy::stats {

// z of a two-sided 95% normal interval.
inline constexpr double z_95 = 1.959963984540054;

struct interval {
    double low = 0.0;
    double high = 1.0;
};

// Wilson score interval of successes/n. n == 0 gives the uninformative {0, 1}; the bounds are
// clamped to [0, 1]. successes > n is treated as successes == n.
interval wilson_interval(std::uint64_t successes, std::uint64_t n, double z = z_95);

// confusion[i][j]: how often the first rater said class i and the second class j.
using confusion_matrix = std::vector<std::vector<std::uint64_t>>;

// Cohen's kappa (p_o - p_e) / (1 - p_e). nullopt when it is undefined: no observations, or
// expected agreement p_e == 1 (both raters always used the same single class). Throws
// std::invalid_argument when the matrix is not square.
std::optional<double> cohen_kappa(const confusion_matrix& confusion);

// The same from sufficient statistics, for sparse tables: the count on the diagonal and each
// class's row and column totals (same length, same class order). Throws std::invalid_argument
// when the lengths differ.
std::optional<double> cohen_kappa(std::uint64_t agreements, std::span<const std::uint64_t> rows,
                                  std::span<const std::uint64_t> cols);

}  // namespace shadowproxy::stats
