// yield_governor: the mirror thread yields while its inbox is short, takes its share once the
// inbox reaches the high mark and yields again at the low mark; nothing changes while it is not
// enabled, and a refused change is not retried.
#include "shadowproxy/mirror/yield_governor.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "shadowproxy/platform/thread_role.hpp"

namespace shadowproxy::mirror {
namespace {

struct recorder {
    std::vector<bool> applied;
    bool accept = true;

    yield_governor::apply_fn fn() {
        return [this](bool yielding) {
            applied.push_back(yielding);
            return accept;
        };
    }
};

void post(yield_governor& governor, int times) {
    for (int i = 0; i < times; ++i) {
        governor.posted();
    }
}

void start(yield_governor& governor, int times) {
    for (int i = 0; i < times; ++i) {
        governor.started();
    }
}

TEST(YieldGovernor, YieldsUntilTheInboxReachesHighThenUntilItIsBackToLow) {
    yield_governor governor(8, 2);
    recorder calls;
    governor.enable(calls.fn());
    EXPECT_TRUE(governor.yielding());
    post(governor, 7);
    EXPECT_TRUE(governor.yielding());
    post(governor, 1);  // 8 waiting: starved
    EXPECT_FALSE(governor.yielding());
    start(governor, 5);
    post(governor, 1);  // 4 waiting: between the marks, no change
    EXPECT_FALSE(governor.yielding());
    start(governor, 3);
    post(governor, 1);  // 2 waiting: caught up
    EXPECT_TRUE(governor.yielding());
    EXPECT_EQ(calls.applied, (std::vector<bool>{true, false, true}));
    EXPECT_EQ(governor.inbox(), 2U);
}

TEST(YieldGovernor, CountsButNeverChangesTheClassUntilEnabled) {
    yield_governor governor(2, 0);
    post(governor, 10);
    EXPECT_FALSE(governor.yielding());
    EXPECT_EQ(governor.inbox(), 10U);
}

TEST(YieldGovernor, ARefusedChangeStopsTheSteering) {
    yield_governor governor(2, 0);
    recorder calls;
    governor.enable(calls.fn());
    calls.accept = false;
    post(governor, 5);  // the move back to SCHED_BATCH is refused once, then not tried again
    EXPECT_EQ(calls.applied, (std::vector<bool>{true, false}));
}

// On a thread of its own: the test runner's thread keeps its class.
TEST(ThreadRole, AYieldingThreadComesBackWhenTheProcessMay) {
    const bool may = platform::may_leave_idle();
    int policy = -1;
    std::thread probe([&] {
        EXPECT_TRUE(platform::set_yielding(pthread_self(), true));
        EXPECT_EQ(platform::set_yielding(pthread_self(), false), may);
        sched_param param{};
        pthread_getschedparam(pthread_self(), &policy, &param);
    });
    probe.join();
    EXPECT_EQ(policy, may ? SCHED_BATCH : SCHED_IDLE);
}

}  // namespace
}  // namespace shadowproxy::mirror
