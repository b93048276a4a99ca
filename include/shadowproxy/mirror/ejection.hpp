// Outlier ejection of one shadow: after `eject_after_failures` consecutive exchanges that
// failed to reach it (connect_failed, timeout, dns_failed, tls_failed) the shadow is ejected,
// copies are dropped for a backoff (1 s, doubling up to 30 s), then one probe copy decides: an
// answer recovers the shadow, another failure ejects it again for the next backoff.
//
// A pure state machine: time comes in as arguments, nothing is logged or counted here (the
// caller does that on the transitions it gets back). Used on the mirror thread only; the
// shadow publishes ejected_until() to an atomic that worker threads read to drop early.
#pragma once

#include <chrono>
#include <cstdint>

namespace shadowproxy::mirror {

class ejection {
public:
    using clock = std::chrono::steady_clock;

    struct policy {
        unsigned after_failures = 5;  // 0 = never eject
        clock::duration first_backoff = std::chrono::seconds(1);
        clock::duration max_backoff = std::chrono::seconds(30);
    };

    enum class admission { send, probe, drop };
    enum class transition { none, ejected, recovered };

    explicit ejection(policy p) : policy_(p) {}

    // Before a copy is sent: send it (healthy), send it as the one probe (backoff over), or
    // drop it (ejected, or a probe is already out).
    admission admit(clock::time_point now);

    // After an exchange: `unreachable` is true for connect_failed, timeout, dns_failed and
    // tls_failed.
    // `probe` says whether the copy was the probe admit() handed out. Answers of copies sent
    // before an ejection do not change an ejected shadow's state: only the probe decides.
    transition on_result(bool unreachable, bool probe, clock::time_point now);

    bool ejected() const { return ejected_; }
    // While ejected: when the next probe may go (time_point::max() while it is out).
    // Healthy: time_point::min().
    clock::time_point ejected_until() const;
    clock::duration backoff() const { return backoff_; }
    unsigned consecutive_failures() const { return failures_; }

private:
    void eject(clock::time_point now);

    policy policy_;
    unsigned failures_ = 0;
    bool ejected_ = false;
    bool probe_out_ = false;
    clock::duration backoff_{};  // of the current ejection
    clock::time_point until_{};
};

}  // namespace shadowproxy::mirror
