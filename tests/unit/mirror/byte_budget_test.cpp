// The mirror's byte budgets (mirror.max_queue_bytes, mirror.max_total_bytes): ceilings, the
// all-or-nothing reservation across a shadow's budget and the total, and release on destruction.
#include "shadowproxy/mirror/byte_budget.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace shadowproxy::mirror {
namespace {

TEST(ByteBudget, ReservesUpToTheLimitAndNoFurther) {
    byte_budget budget{100};
    EXPECT_TRUE(budget.try_reserve(60));
    EXPECT_TRUE(budget.try_reserve(40));
    EXPECT_FALSE(budget.try_reserve(1));
    EXPECT_EQ(budget.used(), 100U);
    budget.release(50);
    EXPECT_TRUE(budget.try_reserve(50));
    EXPECT_FALSE(budget.try_reserve(101));
}

TEST(ByteBudget, ALoweredLimitAppliesToLaterReservations) {
    byte_budget budget{100};
    EXPECT_TRUE(budget.try_reserve(80));
    budget.set_limit(50);
    EXPECT_FALSE(budget.try_reserve(1));
    budget.release(80);
    EXPECT_TRUE(budget.try_reserve(50));
}

TEST(ByteBudget, ZeroBytesAlwaysFitAndHugeRequestsNeverOverflow) {
    byte_budget budget{10};
    EXPECT_TRUE(budget.try_reserve(10));
    EXPECT_TRUE(budget.try_reserve(0));
    EXPECT_FALSE(budget.try_reserve(UINT64_MAX));
    EXPECT_EQ(budget.used(), 10U);
}

TEST(BudgetHold, TakesBothBudgetsOrNeither) {
    byte_budget shadow{100};
    byte_budget total{150};
    metrics::gauge shown;
    budget_hold first;
    ASSERT_TRUE(budget_hold::acquire(first, shadow, total, &shown, 80));
    EXPECT_EQ(shown.value(), 80);

    byte_budget other_shadow{100};
    budget_hold second;
    // Fits the other shadow's budget but not the total: nothing stays reserved anywhere.
    EXPECT_FALSE(budget_hold::acquire(second, other_shadow, total, nullptr, 80));
    EXPECT_FALSE(second.holds());
    EXPECT_EQ(other_shadow.used(), 0U);
    EXPECT_EQ(total.used(), 80U);

    // Over the shadow's own budget.
    budget_hold third;
    EXPECT_FALSE(budget_hold::acquire(third, shadow, total, &shown, 30));
    EXPECT_EQ(shadow.used(), 80U);
    EXPECT_EQ(shown.value(), 80);
}

TEST(BudgetHold, ReleasesOnceWhenDestroyedOrMoved) {
    byte_budget shadow{100};
    byte_budget total{100};
    metrics::gauge shown;
    {
        budget_hold hold;
        ASSERT_TRUE(budget_hold::acquire(hold, shadow, total, &shown, 70));
        budget_hold moved{std::move(hold)};
        EXPECT_FALSE(hold.holds());  // NOLINT(bugprone-use-after-move): moved-from is empty
        EXPECT_TRUE(moved.holds());
        hold.release();
        EXPECT_EQ(total.used(), 70U);
        moved.release();
        moved.release();
        EXPECT_EQ(total.used(), 0U);
        ASSERT_TRUE(budget_hold::acquire(hold, shadow, total, &shown, 30));
    }
    EXPECT_EQ(shadow.used(), 0U);
    EXPECT_EQ(total.used(), 0U);
    EXPECT_EQ(shown.value(), 0);
}

TEST(ByteBudget, ConcurrentReservationsNeverPassTheLimit) {
    byte_budget budget{1000};
    std::atomic<int> granted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) {
                if (budget.try_reserve(3)) {
                    granted.fetch_add(1);
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(granted.load(), 333);
    EXPECT_EQ(budget.used(), 999U);
}

}  // namespace
}  // namespace shadowproxy::mirror
