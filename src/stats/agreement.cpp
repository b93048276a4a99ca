#include "shadowproxy/stats/agreement.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace shadowproxy::stats {

interval wilson_interval(std::uint64_t successes, std::uint64_t n, double z) {
    if (n == 0) {
        return {0.0, 1.0};
    }
    const double total = static_cast<double>(n);
    const double p = static_cast<double>(std::min(successes, n)) / total;
    const double z2 = z * z;
    const double denominator = 1.0 + z2 / total;
    const double center = (p + z2 / (2.0 * total)) / denominator;
    const double half =
        z * std::sqrt(p * (1.0 - p) / total + z2 / (4.0 * total * total)) / denominator;
    return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

std::optional<double> cohen_kappa(std::uint64_t agreements, std::span<const std::uint64_t> rows,
                                  std::span<const std::uint64_t> cols) {
    if (rows.size() != cols.size()) {
        throw std::invalid_argument("cohen_kappa: row and column totals differ in length");
    }
    std::uint64_t n = 0;
    for (const auto r : rows) {
        n += r;
    }
    if (n == 0) {
        return std::nullopt;
    }
    // p_e == 1 exactly when one class holds every observation on both sides; test that on the
    // counts, because the floating-point sum may land a hair below 1.
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (rows[i] == n && cols[i] == n) {
            return std::nullopt;
        }
    }
    const double total = static_cast<double>(n);
    double expected = 0.0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        expected += (static_cast<double>(rows[i]) / total) * (static_cast<double>(cols[i]) / total);
    }
    const double observed = static_cast<double>(agreements) / total;
    return (observed - expected) / (1.0 - expected);
}

std::optional<double> cohen_kappa(const confusion_matrix& confusion) {
    const std::size_t k = confusion.size();
    std::vector<std::uint64_t> rows(k, 0);
    std::vector<std::uint64_t> cols(k, 0);
    std::uint64_t diagonal = 0;
    for (std::size_t i = 0; i < k; ++i) {
        if (confusion[i].size() != k) {
            throw std::invalid_argument("cohen_kappa: the confusion matrix is not square");
        }
        for (std::size_t j = 0; j < k; ++j) {
            rows[i] += confusion[i][j];
            cols[j] += confusion[i][j];
        }
        diagonal += confusion[i][i];
    }
    return cohen_kappa(diagonal, rows, cols);
}

}  // namespace shadowproxy::stats
