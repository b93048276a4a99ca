// Input drift: equal-frequency baselines of training features and the population stability index
// (PSI) of live values against them (docs/report.md).
//
// Pure functions plus the baseline value type; any thread may call them, a loaded baseline is
// immutable and can be shared. load_baseline()/baseline_from_json() throw baseline_error with a
// sentence naming the file and the problem; the other functions throw std::invalid_argument on
// arguments that break their stated preconditions.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace shadowproxy::stats {

inline constexpr double psi_share_floor = 0.0001;
inline constexpr std::size_t baseline_bins = 10;

// PSI = sum (live_i - base_i) * ln(live_i / base_i), each share floored at psi_share_floor.
// Throws std::invalid_argument when the spans differ in size.
double psi(std::span<const double> base_shares, std::span<const double> live_shares);

// "stable" (< 0.1), "moderate shift" (0.1 to 0.25), "major shift" (> 0.25).
const char* psi_reading(double value);

// Bin of value for edges e0 < e1 < ... < ek (k >= 1 bins): bin i is [e_i, e_i+1), the last bin
// also holds e_k; values below e0 fall in bin 0, values above e_k in bin k-1, NaN in bin 0.
// Throws std::invalid_argument with fewer than two edges.
std::size_t bin_index(std::span<const double> edges, double value);

// Edges of at most `bins` equal-frequency bins over sorted, non-empty, NaN-free values: the
// minimum, the i/bins quantiles (numpy 'linear') for i = 1..bins-1, and the maximum. Ties: a
// quantile not above the previous edge is dropped, which merges the bins it would have separated,
// so the edges are strictly increasing and a heavily tied feature gets fewer bins. A constant
// feature v gets the single bin [v, nextafter(v, +inf)].
std::vector<double> equal_frequency_edges(std::span<const double> sorted, std::size_t bins);

struct feature_bins {
    std::string name;
    std::vector<double> edges;   // strictly increasing, at least two
    std::vector<double> shares;  // edges.size() - 1 shares summing to 1
};

struct baseline {
    std::vector<feature_bins> features;
    std::uint64_t rows = 0;

    const feature_bins* find(std::string_view name) const;
};

// Bins of one training column (values in any order, non-empty): equal_frequency_edges() with
// baseline_bins bins and the share of the values in each bin (bin_index()).
feature_bins make_feature_bins(std::string name, std::vector<double> values);

class baseline_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// docs/report.md format: {"features": {"age": {"edges": [...], "shares": [...]}, ...}, "rows": N}.
nlohmann::ordered_json baseline_to_json(const baseline& value);  // columns in order
baseline baseline_from_json(const nlohmann::json& document, const std::string& source);
baseline load_baseline(const std::string& path);

}  // namespace shadowproxy::stats
