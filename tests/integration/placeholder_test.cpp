#include <gtest/gtest.h>
TEST(SkeletonIntegration, Builds) { SUCCEED(); }
