// The memory limits of the shadowproxy containers in k8s/ follow from the mirror's byte budgets
// of the config each one runs (README "Memory"): limit >= min(mirror.max_total_bytes,
// shadows x mirror.max_queue_bytes) + 64 MiB, so that a stalled shadow cannot get the proxy
// OOM-killed. Reads the YAML files directly (no kubectl needed).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <optional>
#include <string>

#include "shadowproxy/config/config.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path source_dir{SHADOWPROXY_SOURCE_DIR};

// A Kubernetes memory quantity ("192Mi", "1Gi", "268435456") in bytes.
std::uint64_t quantity_bytes(const std::string& text) {
    std::size_t used = 0;
    const std::uint64_t number = std::stoull(text, &used);
    const std::string unit = text.substr(used);
    if (unit == "Ki") {
        return number << 10;
    }
    if (unit == "Mi") {
        return number << 20;
    }
    if (unit == "Gi") {
        return number << 30;
    }
    EXPECT_EQ(unit, "") << "unexpected memory unit in " << text;
    return number;
}

// The memory limit of the container named shadowproxy anywhere in `node`.
std::optional<std::string> proxy_memory_limit(const YAML::Node& node) {
    if (node.IsMap()) {
        if (node["name"] && node["name"].IsScalar() && node["name"].Scalar() == "shadowproxy" &&
            node["resources"] && node["resources"]["limits"] &&
            node["resources"]["limits"]["memory"]) {
            return node["resources"]["limits"]["memory"].Scalar();
        }
        for (const auto& entry : node) {
            if (auto found = proxy_memory_limit(entry.second)) {
                return found;
            }
        }
    } else if (node.IsSequence()) {
        for (const auto& item : node) {
            if (auto found = proxy_memory_limit(item)) {
                return found;
            }
        }
    }
    return std::nullopt;
}

struct variant {
    const char* config;
    const char* manifest;
};

class DeployMemory : public ::testing::TestWithParam<variant> {};

TEST_P(DeployMemory, LimitCoversTheMirrorBudgetPlusBaseline) {
    const auto config = shadowproxy::config::load_file((source_dir / GetParam().config).string());
    std::optional<std::string> limit;
    for (const auto& document :
         YAML::LoadAllFromFile((source_dir / GetParam().manifest).string())) {
        if (!limit) {
            limit = proxy_memory_limit(document);
        }
    }
    ASSERT_TRUE(limit) << GetParam().manifest << " has no memory limit for shadowproxy";
    const std::uint64_t needed =
        config.mirror_budget_bytes() + shadowproxy::config::proxy_baseline_bytes;
    EXPECT_GE(quantity_bytes(*limit), needed)
        << GetParam().manifest << ": limit " << *limit << " below " << (needed >> 20) << "Mi";
}

INSTANTIATE_TEST_SUITE_P(
    K8s, DeployMemory,
    ::testing::Values(variant{"k8s/gateway/config.yaml", "k8s/gateway/deployment.yaml"},
                      variant{"k8s/sidecar/config.yaml", "k8s/sidecar/model-v1-sidecar.yaml"}),
    [](const ::testing::TestParamInfo<variant>& param) {
        return param.index == 0 ? std::string{"Gateway"} : std::string{"Sidecar"};
    });

}  // namespace
