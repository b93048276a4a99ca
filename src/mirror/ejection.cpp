#include "shadowproxy/mirror/ejection.hpp"

#include <algorithm>

namespace shadowproxy::mirror {

ejection::admission ejection::admit(clock::time_point now) {
    if (!ejected_) {
        return admission::send;
    }
    if (probe_out_ || now < until_) {
        return admission::drop;
    }
    probe_out_ = true;
    return admission::probe;
}

ejection::transition ejection::on_result(bool unreachable, bool probe, clock::time_point now) {
    if (ejected_) {
        if (!probe) {
            return transition::none;
        }
        probe_out_ = false;
        if (unreachable) {
            backoff_ = std::min(backoff_ * 2, policy_.max_backoff);
            until_ = now + backoff_;
            return transition::none;
        }
        ejected_ = false;
        failures_ = 0;
        return transition::recovered;
    }
    if (!unreachable || policy_.after_failures == 0) {
        failures_ = 0;
        return transition::none;
    }
    if (++failures_ < policy_.after_failures) {
        return transition::none;
    }
    eject(now);
    return transition::ejected;
}

void ejection::eject(clock::time_point now) {
    ejected_ = true;
    probe_out_ = false;
    backoff_ = std::min(policy_.first_backoff, policy_.max_backoff);
    until_ = now + backoff_;
}

ejection::clock::time_point ejection::ejected_until() const {
    if (!ejected_) {
        return clock::time_point::min();
    }
    return probe_out_ ? clock::time_point::max() : until_;
}

}  // namespace shadowproxy::mirror
