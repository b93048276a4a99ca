// The container memory limit `check` compares the mirror budgets with: cgroup v2 and v1 files,
// unlimited cgroups, and the warning's threshold (budget + the proxy's baseline).
#include "shadowproxy/app/container_memory.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace shadowproxy::app {
namespace {

namespace fs = std::filesystem;

class ContainerMemory : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::path(::testing::TempDir()) /
                ("cgroup_" +
                 std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
        fs::remove_all(root_);
        fs::create_directories(root_ / "memory");
    }
    void TearDown() override { fs::remove_all(root_); }
    void write(const fs::path& file, const std::string& text) {
        std::ofstream(root_ / file) << text;
    }
    fs::path root_;
};

TEST_F(ContainerMemory, ReadsCgroupV2) {
    write("memory.max", "268435456\n");
    EXPECT_EQ(container_memory_limit(root_), 268435456U);
}

TEST_F(ContainerMemory, UnlimitedV2AndNoFilesMeanNoLimit) {
    EXPECT_EQ(container_memory_limit(root_), std::nullopt);
    write("memory.max", "max\n");
    EXPECT_EQ(container_memory_limit(root_), std::nullopt);
}

TEST_F(ContainerMemory, ReadsCgroupV1UnlessUnlimited) {
    write("memory/memory.limit_in_bytes", "201326592\n");
    EXPECT_EQ(container_memory_limit(root_), 201326592U);
    write("memory/memory.limit_in_bytes", "9223372036854771712\n");
    EXPECT_EQ(container_memory_limit(root_), std::nullopt);
}

TEST(MemoryBudgetWarning, WarnsWhenBudgetPlusBaselineExceedsTheLimit) {
    config::config c;
    c.shadows.resize(1);
    constexpr std::uint64_t mib = 1024 * 1024;
    EXPECT_EQ(c.mirror_budget_bytes(), 64 * mib);  // one shadow: its 64 MiB queue budget
    EXPECT_EQ(memory_budget_warning(c, 128 * mib), "");
    const auto warning = memory_budget_warning(c, 127 * mib);
    EXPECT_NE(warning.find("64 MiB"), std::string::npos) << warning;
    EXPECT_NE(warning.find("127 MiB"), std::string::npos) << warning;
    c.shadows.resize(8);
    EXPECT_EQ(c.mirror_budget_bytes(), 256 * mib);  // capped by max_total_bytes
    EXPECT_NE(memory_budget_warning(c, 256 * mib), "");
    EXPECT_EQ(memory_budget_warning(c, 320 * mib), "");
}

}  // namespace
}  // namespace shadowproxy::app
