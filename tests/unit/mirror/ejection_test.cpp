// Ejection of a dead shadow (shadows[].eject_after_failures): when it ejects, how long it
// drops, the single probe, the doubling backoff capped at 30 s and the recovery.
#include "shadowproxy/mirror/ejection.hpp"

#include <gtest/gtest.h>

namespace shadowproxy::mirror {
namespace {

using std::chrono::seconds;
using admission = ejection::admission;
using transition = ejection::transition;

class EjectionTest : public ::testing::Test {
protected:
    ejection::clock::time_point t0 = ejection::clock::now();
    ejection machine{ejection::policy{3, seconds(1), seconds(30)}};

    void fail_until_ejected(ejection::clock::time_point at) {
        for (int i = 0; i < 2; ++i) {
            ASSERT_EQ(machine.on_result(true, false, at), transition::none);
        }
        ASSERT_EQ(machine.on_result(true, false, at), transition::ejected);
    }
};

TEST_F(EjectionTest, EjectsAfterConsecutiveFailuresOnly) {
    EXPECT_EQ(machine.on_result(true, false, t0), transition::none);
    EXPECT_EQ(machine.on_result(true, false, t0), transition::none);
    EXPECT_EQ(machine.on_result(false, false, t0), transition::none);  // an answer resets
    EXPECT_EQ(machine.consecutive_failures(), 0U);
    EXPECT_EQ(machine.admit(t0), admission::send);
    fail_until_ejected(t0);
    EXPECT_TRUE(machine.ejected());
    EXPECT_EQ(machine.ejected_until(), t0 + seconds(1));
}

TEST_F(EjectionTest, DropsDuringBackoffThenSendsOneProbe) {
    fail_until_ejected(t0);
    EXPECT_EQ(machine.admit(t0 + std::chrono::milliseconds(999)), admission::drop);
    EXPECT_EQ(machine.admit(t0 + seconds(1)), admission::probe);
    EXPECT_EQ(machine.admit(t0 + seconds(2)), admission::drop);  // the probe is out
    EXPECT_EQ(machine.ejected_until(), ejection::clock::time_point::max());
}

TEST_F(EjectionTest, BackoffDoublesUpToThirtySeconds) {
    fail_until_ejected(t0);
    auto now = t0;
    const long expected[] = {2, 4, 8, 16, 30, 30};
    for (const long next : expected) {
        now = machine.ejected_until();
        ASSERT_EQ(machine.admit(now), admission::probe);
        EXPECT_EQ(machine.on_result(true, true, now), transition::none);
        EXPECT_EQ(machine.backoff(), seconds(next));
        EXPECT_EQ(machine.ejected_until(), now + seconds(next));
    }
}

TEST_F(EjectionTest, ASuccessfulProbeRecoversAndResetsTheBackoff) {
    fail_until_ejected(t0);
    ASSERT_EQ(machine.admit(t0 + seconds(1)), admission::probe);
    EXPECT_EQ(machine.on_result(true, true, t0 + seconds(1)), transition::none);
    ASSERT_EQ(machine.admit(t0 + seconds(3)), admission::probe);
    EXPECT_EQ(machine.on_result(false, true, t0 + seconds(3)), transition::recovered);
    EXPECT_FALSE(machine.ejected());
    EXPECT_EQ(machine.admit(t0 + seconds(3)), admission::send);
    EXPECT_EQ(machine.ejected_until(), ejection::clock::time_point::min());
    fail_until_ejected(t0 + seconds(4));
    EXPECT_EQ(machine.backoff(), seconds(1));
}

TEST_F(EjectionTest, LateAnswersOfEarlierCopiesDoNotDecide) {
    fail_until_ejected(t0);
    EXPECT_EQ(machine.on_result(false, false, t0), transition::none);
    EXPECT_TRUE(machine.ejected());
    EXPECT_EQ(machine.on_result(true, false, t0), transition::none);
    EXPECT_EQ(machine.ejected_until(), t0 + seconds(1));
}

TEST(Ejection, ZeroFailuresMeansNeverEject) {
    ejection never{ejection::policy{0, seconds(1), seconds(30)}};
    const auto now = ejection::clock::now();
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(never.on_result(true, false, now), transition::none);
    }
    EXPECT_EQ(never.admit(now), admission::send);
}

}  // namespace
}  // namespace shadowproxy::mirror
