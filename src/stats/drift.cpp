#include "shadowproxy/stats/drift.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "shadowproxy/stats/quantiles.hpp"

namespace shadowproxy::stats {

double psi(std::span<const double> base_shares, std::span<const double> live_shares) {
    if (base_shares.size() != live_shares.size()) {
        throw std::invalid_argument("psi: the baseline and live shares differ in length");
    }
    double sum = 0.0;
    for (std::size_t i = 0; i < base_shares.size(); ++i) {
        const double base = std::max(base_shares[i], psi_share_floor);
        const double live = std::max(live_shares[i], psi_share_floor);
        sum += (live - base) * std::log(live / base);
    }
    return sum;
}

const char* psi_reading(double value) {
    if (value < 0.1) {
        return "stable";
    }
    return value <= 0.25 ? "moderate shift" : "major shift";
}

std::size_t bin_index(std::span<const double> edges, double value) {
    if (edges.size() < 2) {
        throw std::invalid_argument("bin_index: fewer than two edges");
    }
    // Only the inner edges e1..e(k-1) separate bins; values equal to one go to the bin above.
    const auto inner = edges.subspan(1, edges.size() - 2);
    return static_cast<std::size_t>(std::upper_bound(inner.begin(), inner.end(), value) -
                                    inner.begin());
}

std::vector<double> equal_frequency_edges(std::span<const double> sorted, std::size_t bins) {
    if (sorted.empty() || bins == 0) {
        throw std::invalid_argument("equal_frequency_edges: no values or no bins");
    }
    std::vector<double> edges{sorted.front()};
    for (std::size_t i = 1; i < bins; ++i) {
        const double cut =
            *percentile_sorted(sorted, static_cast<double>(i) / static_cast<double>(bins));
        if (cut > edges.back()) {
            edges.push_back(cut);
        }
    }
    if (sorted.back() > edges.back()) {
        edges.push_back(sorted.back());
    }
    if (edges.size() == 1) {
        edges.push_back(std::nextafter(edges.front(), std::numeric_limits<double>::infinity()));
    }
    return edges;
}

feature_bins make_feature_bins(std::string name, std::vector<double> values) {
    std::sort(values.begin(), values.end());
    feature_bins result{std::move(name), equal_frequency_edges(values, baseline_bins), {}};
    std::vector<std::uint64_t> counts(result.edges.size() - 1, 0);
    for (const double v : values) {
        ++counts[bin_index(result.edges, v)];
    }
    for (const auto c : counts) {
        result.shares.push_back(static_cast<double>(c) / static_cast<double>(values.size()));
    }
    return result;
}

const feature_bins* baseline::find(std::string_view name) const {
    for (const auto& f : features) {
        if (f.name == name) {
            return &f;
        }
    }
    return nullptr;
}

nlohmann::ordered_json baseline_to_json(const baseline& value) {
    nlohmann::ordered_json features = nlohmann::ordered_json::object();
    for (const auto& f : value.features) {
        features[f.name] = {{"edges", f.edges}, {"shares", f.shares}};
    }
    return {{"features", features}, {"rows", value.rows}};
}

namespace {

feature_bins parse_feature(const std::string& name, const nlohmann::json& entry,
                           const std::string& source) {
    auto fail = [&](const std::string& why) {
        return baseline_error(source + ": feature \"" + name + "\": " + why);
    };
    if (!entry.is_object() || !entry.contains("edges") || !entry.contains("shares") ||
        !entry["edges"].is_array() || !entry["shares"].is_array()) {
        throw fail("expected an object with arrays \"edges\" and \"shares\"");
    }
    feature_bins bins{name, {}, {}};
    for (const auto& e : entry["edges"]) {
        if (!e.is_number()) {
            throw fail("edges must be numbers");
        }
        bins.edges.push_back(e.get<double>());
    }
    for (const auto& s : entry["shares"]) {
        if (!s.is_number() || s.get<double>() < 0) {
            throw fail("shares must be non-negative numbers");
        }
        bins.shares.push_back(s.get<double>());
    }
    if (bins.edges.size() < 2 || !std::is_sorted(bins.edges.begin(), bins.edges.end()) ||
        std::adjacent_find(bins.edges.begin(), bins.edges.end()) != bins.edges.end()) {
        throw fail("edges must be at least two strictly increasing numbers");
    }
    if (bins.shares.size() + 1 != bins.edges.size()) {
        throw fail("there must be one share fewer than edges");
    }
    double total = 0.0;
    for (const double s : bins.shares) {
        total += s;
    }
    if (std::fabs(total - 1.0) > 1e-6) {
        throw fail("shares must sum to 1");
    }
    return bins;
}

}  // namespace

baseline baseline_from_json(const nlohmann::json& document, const std::string& source) {
    if (!document.is_object() || !document.contains("features") ||
        !document["features"].is_object()) {
        throw baseline_error(source + ": not a baseline: expected an object with \"features\"");
    }
    baseline result;
    for (const auto& [name, entry] : document["features"].items()) {
        result.features.push_back(parse_feature(name, entry, source));
    }
    if (document.contains("rows") && document["rows"].is_number_unsigned()) {
        result.rows = document["rows"].get<std::uint64_t>();
    }
    return result;
}

baseline load_baseline(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw baseline_error(path + ": cannot open the baseline file");
    }
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throw baseline_error(path + ": the baseline is not valid JSON (" + e.what() + ")");
    }
    return baseline_from_json(document, path);
}

}  // namespace shadowproxy::stats
