// The memory a container may use, read from its cgroup (v2 memory.max, v1
// memory/memory.limit_in_bytes), for `check` to warn when the mirror's byte budgets do not fit.
//
// Pure reads of small files, callable from any thread; a missing, unreadable or unlimited
// cgroup gives std::nullopt, never an error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "shadowproxy/config/config.hpp"

namespace shadowproxy::app {

std::optional<std::uint64_t> container_memory_limit(
    const std::filesystem::path& cgroup_root = "/sys/fs/cgroup");

// The warning `check` prints when mirror_budget_bytes() + proxy_baseline_bytes exceeds `limit`,
// or an empty string when the budgets fit.
std::string memory_budget_warning(const config::config& config, std::uint64_t limit);

}  // namespace shadowproxy::app
