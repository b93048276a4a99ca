// docker/, k8s/ and config/demo.yaml stay deployable: every shadowproxy config they carry passes
// `shadowproxy check`, `kubectl kustomize k8s/` renders, yamllint is clean, and the rendered pods
// keep the probes and shutdown timing the proxy needs. Tools run with `timeout`, so a hung tool
// fails the test instead of the suite; missing kubectl or yamllint skips with a message.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/binaries.hpp"
#include "support/shell.hpp"

namespace {

using shadowproxy::testing::shadowproxy_binary;

using shadowproxy::testing::have_tool;
using shadowproxy::testing::run_shell;
using shadowproxy::testing::shell_quote;
using shadowproxy::testing::shell_result;

namespace fs = std::filesystem;

const fs::path source_dir{SHADOWPROXY_SOURCE_DIR};

// A per-test scratch directory, removed afterwards.
class DeployManifests : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        scratch_ = fs::path(::testing::TempDir()) / (std::string("deploy_") + info->name());
        fs::remove_all(scratch_);
        fs::create_directories(scratch_);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(scratch_, ec);
    }

    ::testing::AssertionResult passes_check(const fs::path& config, const std::string& label) {
        const auto result =
            run_shell(shadowproxy_binary() + " check --config " + shell_quote(config.string()));
        if (result.exit_code == 0 && result.output.find("ok") != std::string::npos) {
            return ::testing::AssertionSuccess();
        }
        return ::testing::AssertionFailure()
               << label << ": `shadowproxy check` exited " << result.exit_code << ":\n"
               << result.output;
    }

    // The rendered k8s/ documents, or an empty list (with the test skipped) without kubectl.
    std::vector<YAML::Node> render_k8s() {
        const auto result =
            run_shell("kubectl kustomize " + shell_quote((source_dir / "k8s").string()));
        EXPECT_EQ(result.exit_code, 0) << result.output;
        return YAML::LoadAll(result.output);
    }

    fs::path scratch_;
};

TEST_F(DeployManifests, KustomizeRendersEveryVariant) {
    if (!have_tool("kubectl")) {
        GTEST_SKIP() << "kubectl is not installed: k8s/ was not rendered";
    }
    for (const char* dir : {"k8s", "k8s/gateway", "k8s/sidecar", "k8s/models", "k8s/monitoring"}) {
        const auto result =
            run_shell("kubectl kustomize " + shell_quote((source_dir / dir).string()));
        EXPECT_EQ(result.exit_code, 0) << dir << ":\n" << result.output;
    }
    std::multiset<std::string> kinds;
    for (const auto& doc : render_k8s()) {
        kinds.insert(doc["kind"].as<std::string>());
    }
    EXPECT_EQ(kinds.count("Namespace"), 2U);
    EXPECT_EQ(kinds.count("ConfigMap"), 2U);
    EXPECT_EQ(kinds.count("Service"), 7U);  // v1, v2 in each, the gateway, two metrics Services
    EXPECT_EQ(kinds.count("NetworkPolicy"), 2U);
    EXPECT_EQ(kinds.count("Deployment"), 5U);  // v1, v2 in each namespace + the gateway
    EXPECT_EQ(kinds.count("HorizontalPodAutoscaler"), 1U);
    EXPECT_EQ(kinds.count("PodDisruptionBudget"), 1U);
}

TEST_F(DeployManifests, EveryEmbeddedConfigPassesCheck) {
    if (!have_tool("kubectl")) {
        GTEST_SKIP() << "kubectl is not installed: ConfigMaps were not rendered";
    }
    int checked = 0;
    for (const auto& doc : render_k8s()) {
        if (doc["kind"].as<std::string>() != "ConfigMap") {
            continue;
        }
        const auto name = doc["metadata"]["namespace"].as<std::string>() + "/" +
                          doc["metadata"]["name"].as<std::string>();
        for (const auto& entry : doc["data"]) {
            const auto key = entry.first.as<std::string>();
            const auto file = scratch_ / (std::to_string(checked) + "-" + key);
            std::ofstream(file) << entry.second.as<std::string>();
            EXPECT_TRUE(passes_check(file, "ConfigMap " + name + " key " + key));
            ++checked;
        }
    }
    EXPECT_EQ(checked, 2);  // gateway and sidecar
}

TEST_F(DeployManifests, ConfigFilesPassCheck) {
    for (const char* file : {"docker/config.yaml", "k8s/gateway/config.yaml",
                             "k8s/sidecar/config.yaml", "config/demo.yaml"}) {
        ASSERT_TRUE(fs::exists(source_dir / file)) << file;
        EXPECT_TRUE(passes_check(source_dir / file, file));
    }
}

TEST_F(DeployManifests, YamllintIsClean) {
    if (!have_tool("yamllint")) {
        GTEST_SKIP() << "yamllint is not installed: k8s/ and docker/ were not linted";
    }
    const auto result = run_shell("cd " + shell_quote(source_dir.string()) +
                                  " && yamllint --strict -c k8s/.yamllint k8s docker");
    EXPECT_EQ(result.exit_code, 0) << result.output;
}

// Every pod running shadowproxy: probes on the admin port, a preStop pause, and a grace period
// longer than that pause plus the drain, so Kubernetes never kills a draining proxy.
TEST_F(DeployManifests, ProxyPodsDrainWithinTheirGracePeriod) {
    if (!have_tool("kubectl")) {
        GTEST_SKIP() << "kubectl is not installed: k8s/ was not rendered";
    }
    const auto docs = render_k8s();
    std::map<std::string, YAML::Node> configs;  // "namespace/configmap name" → parsed config
    for (const auto& doc : docs) {
        if (doc["kind"].as<std::string>() == "ConfigMap") {
            configs[doc["metadata"]["namespace"].as<std::string>() + "/" +
                    doc["metadata"]["name"].as<std::string>()] =
                YAML::Load(doc["data"]["config.yaml"].as<std::string>());
        }
    }
    int proxies = 0;
    for (const auto& doc : docs) {
        if (doc["kind"].as<std::string>() != "Deployment") {
            continue;
        }
        const auto ns = doc["metadata"]["namespace"].as<std::string>();
        const auto pod = doc["spec"]["template"]["spec"];
        for (const auto& container : pod["containers"]) {
            if (container["name"].as<std::string>() != "shadowproxy") {
                continue;
            }
            ++proxies;
            const auto where = ns + "/" + doc["metadata"]["name"].as<std::string>();
            EXPECT_EQ(container["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/healthz")
                << where;
            EXPECT_EQ(container["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/readyz")
                << where;
            EXPECT_EQ(container["livenessProbe"]["httpGet"]["port"].as<std::string>(), "admin")
                << where;
            const auto pre_stop = container["lifecycle"]["preStop"]["exec"]["command"];
            ASSERT_TRUE(pre_stop.IsSequence()) << where << ": no preStop command";
            ASSERT_EQ(pre_stop[0].as<std::string>(), "sleep") << where;
            const int pause_s = pre_stop[1].as<int>();

            std::string config_name;
            for (const auto& volume : pod["volumes"]) {
                if (volume["configMap"]) {
                    config_name = ns + "/" + volume["configMap"]["name"].as<std::string>();
                }
            }
            ASSERT_TRUE(configs.contains(config_name)) << where << ": config " << config_name;
            const auto& config = configs[config_name];
            const int drain_ms = config["limits"] && config["limits"]["drain_timeout_ms"]
                                     ? config["limits"]["drain_timeout_ms"].as<int>()
                                     : 15000;
            EXPECT_EQ(config["log"]["path"].as<std::string>(), "-") << where;
            ASSERT_TRUE(pod["terminationGracePeriodSeconds"]) << where;
            EXPECT_GT(pod["terminationGracePeriodSeconds"].as<int>() * 1000,
                      pause_s * 1000 + drain_ms)
                << where;
        }
    }
    EXPECT_EQ(proxies, 2);  // the gateway and the model-v1 sidecar
}

}  // namespace
