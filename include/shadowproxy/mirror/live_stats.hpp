// The live statistics behind /stats, the dashboard and the feature counters of /metrics: the
// same per-shadow accumulator `report` uses, fed one comparison at a time, plus 60-second
// sliding windows and input monitoring (docs/operations.md, docs/report.md).
//
// Owned by the application. record() is called on the mirror thread (the single writer) for
// every comparison; snapshot() and feature_counts() on the admin/control thread. A mutex guards
// the state: the writer holds it for one record's bookkeeping, off the production path.
// Memory is bounded: latencies in sketches, at most max_classes prediction classes and
// max_features features, a bounded set of recent request ids. Does not throw except
// std::bad_alloc.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowproxy/compare/comparator.hpp"
#include "shadowproxy/config/config.hpp"
#include "shadowproxy/mirror/live_history.hpp"
#include "shadowproxy/stats/drift.hpp"
#include "shadowproxy/stats/feature_monitor.hpp"
#include "shadowproxy/stats/live_snapshot.hpp"
#include "shadowproxy/stats/llm_accumulator.hpp"
#include "shadowproxy/stats/shadow_accumulator.hpp"

namespace shadowproxy::mirror {

// What one comparison contributes; the pointers need only live during record().
struct live_record {
    // The first of its request's copies to be compared: only that one feeds production's
    // latency and the feature monitors, so a request mirrored to several shadows counts once,
    // as `report` counts it.
    bool first_copy = true;
    std::string_view shadow_name;
    const compare::side_response* production = nullptr;
    const compare::side_response* shadow = nullptr;
    const compare::comparison* result = nullptr;
    const nlohmann::json* features = nullptr;  // set when `features` is configured
    bool features_truncated = false;
    const stats::llm_observation* llm = nullptr;  // set when an answer was generated text
    bool noise_reference = false;                 // compare.noise_reference's records
};

class live_stats {
public:
    static constexpr std::uint32_t window_seconds = stats::live_window_seconds;
    static constexpr std::size_t max_classes = 64;
    static constexpr std::size_t max_features = 256;

    live_stats();

    // Control thread, at start and on reload: the feature names and baseline. The feature
    // monitors restart when either changes; nullopt turns input monitoring off.
    void configure_features(const std::optional<config::features_config>& settings,
                            std::shared_ptr<const stats::baseline> base);

    // Mirror thread: one comparison.
    void record(const live_record& record);

    // Any thread.
    stats::live_snapshot snapshot();
    std::vector<stats::feature_count> feature_counts();

private:
    struct second_counts {
        std::int64_t second = INT64_MIN;
        stats::live_window counts;
    };
    struct shadow_state {
        explicit shadow_state(const std::string& name);
        stats::shadow_accumulator accumulator;
        std::array<second_counts, window_seconds> seconds;
        stats::windowed_sketch production_window{window_seconds};
        stats::windowed_sketch shadow_window{window_seconds};
        live_history history;
        stats::live_regression regression;
        stats::llm_accumulator llm{stats::latency_mode::sketch};
        bool noise_reference = false;
    };
    // Two feature monitors restarted every window, half a window apart: the older one always
    // covers between half a window and a whole one.
    struct feature_window {
        std::int64_t started = 0;
        std::unique_ptr<stats::feature_monitor> monitor;
    };

    std::int64_t now_seconds() const;
    void observe_features(const live_record& record, std::int64_t now);
    void rotate_feature_windows(std::int64_t now);
    std::unique_ptr<stats::feature_monitor> make_monitor() const;

    std::mutex mutex_;
    const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::map<std::string, shadow_state, std::less<>> shadows_;
    stats::latency_sketch production_latency_;
    stats::windowed_sketch production_window_{window_seconds};
    std::optional<config::features_config> feature_settings_;
    std::shared_ptr<const stats::baseline> baseline_;
    std::unique_ptr<stats::feature_monitor> features_;
    std::array<feature_window, 2> feature_windows_;
};

}  // namespace shadowproxy::mirror
