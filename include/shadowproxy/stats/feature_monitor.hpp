// Input monitoring (docs/report.md): completeness of each feature (missing, null, non-numeric
// shares) and, against a training baseline, its PSI. Fed one request's features at a time.
//
// Owned by one thread (report's reader or the proxy's comparison thread); not thread-safe. The
// caller decides what one request is (report counts each request id once). Memory is bounded:
// per feature a few counters and the baseline's bins; at most max_features names are tracked,
// later new names are ignored. Does not throw except std::bad_alloc.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "shadowproxy/stats/drift.hpp"

namespace shadowproxy::stats {

enum class feature_kind { number, null, non_numeric };

struct feature_report {
    std::string name;
    double missing = 0.0;       // absent key, array too short, or "features": null
    double null = 0.0;          // present and null
    double non_numeric = 0.0;   // present, neither null nor a number
    std::optional<double> psi;  // numeric values against the baseline's bins, when both exist
    std::uint64_t numeric = 0;  // how many values the PSI is over
};

struct features_summary {
    std::uint64_t requests = 0;   // requests whose record carried "features"
    std::uint64_t truncated = 0;  // of which the array was cut at 256 entries
    bool has_baseline = false;
    std::vector<feature_report> features;  // baseline features first, then in order seen
    std::optional<double> max_psi;         // largest non-null psi
};

class feature_monitor {
public:
    static constexpr std::size_t default_max_features = 1024;

    // array_names name array positions (config features.names); later positions are "0", "1"...
    // by index. base may be null (no PSI then).
    feature_monitor(std::vector<std::string> array_names, std::shared_ptr<const baseline> base,
                    std::size_t max_features = default_max_features);

    // Starts one request; its features follow through observe(). A request whose features are
    // null calls only this (every feature is missing).
    void begin_request(bool truncated = false);
    void observe(std::string_view name, feature_kind kind, double value = 0.0);
    void observe_position(std::size_t index, feature_kind kind, double value = 0.0);

    features_summary summarize() const;

private:
    struct feature_state {
        std::string name;
        const feature_bins* bins = nullptr;  // in base_, when it has this feature
        std::uint64_t nulls = 0;
        std::uint64_t non_numeric = 0;
        std::uint64_t numeric = 0;
        std::vector<std::uint64_t> bin_counts;
    };
    struct transparent_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };

    feature_state* state_of(std::string_view name);
    static void count(feature_state& state, feature_kind kind, double value);

    std::vector<std::string> array_names_;
    std::shared_ptr<const baseline> base_;
    std::size_t max_features_;
    std::vector<feature_state> states_;
    std::unordered_map<std::string, std::size_t, transparent_hash, std::equal_to<>> index_;
    std::vector<std::size_t> position_index_;  // array position -> states_ index, lazily
    std::uint64_t requests_ = 0;
    std::uint64_t truncated_ = 0;
};

}  // namespace shadowproxy::stats
