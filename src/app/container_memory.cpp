#include "shadowproxy/app/container_memory.hpp"

#include <fstream>

namespace shadowproxy::app {

namespace {

// cgroup v1 reports "no limit" as a huge page-aligned number near 2^63.
constexpr std::uint64_t v1_unlimited = 1ULL << 62;

std::optional<std::uint64_t> read_number(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string text;
    if (!in || !(in >> text) || text.empty() ||
        text.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;  // absent, or "max"
    }
    try {
        return std::stoull(text);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::string mebibytes(std::uint64_t bytes) {
    return std::to_string(bytes / (1024 * 1024)) + " MiB";
}

}  // namespace

std::optional<std::uint64_t> container_memory_limit(const std::filesystem::path& cgroup_root) {
    if (const auto v2 = read_number(cgroup_root / "memory.max")) {
        return v2;
    }
    if (const auto v1 = read_number(cgroup_root / "memory" / "memory.limit_in_bytes");
        v1 && *v1 < v1_unlimited) {
        return v1;
    }
    return std::nullopt;
}

std::string memory_budget_warning(const config::config& config, std::uint64_t limit) {
    const std::uint64_t budget = config.mirror_budget_bytes();
    if (budget <= limit && limit - budget >= config::proxy_baseline_bytes) {
        return {};
    }
    return "warning: mirror budgets allow " + mebibytes(budget) +
           " of request bodies (min(mirror.max_total_bytes, shadows x mirror.max_queue_bytes)); "
           "with the proxy's " +
           mebibytes(config::proxy_baseline_bytes) + " that exceeds the container's limit of " +
           mebibytes(limit) + ": lower mirror.max_total_bytes or raise the memory limit";
}

}  // namespace shadowproxy::app
