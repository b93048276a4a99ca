// Bounded waiting for integration tests: poll a condition until it holds or time runs out.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace shadowproxy::testing {

inline ::testing::AssertionResult wait_until(const std::function<bool()>& condition,
                                             std::chrono::milliseconds timeout,
                                             const std::string& what = "condition") {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return ::testing::AssertionSuccess();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (condition()) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << what << " did not hold within " << timeout.count() << " ms";
}

}  // namespace shadowproxy::testing
