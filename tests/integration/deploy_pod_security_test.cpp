// Every pod spec of every rendered k8s/ variant meets the "restricted" Pod Security Standard
// (seccomp RuntimeDefault, non-root, no privilege escalation, all capabilities dropped) and keeps
// a read-only root filesystem; the namespaces enforce that standard; the proxy's ConfigMaps keep
// plain names (edits reload in place instead of rolling pods); the admin port is not on a
// client-facing Service and only the monitoring namespace may reach it. Skips without kubectl.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/shell.hpp"

namespace {

using shadowproxy::testing::have_tool;
using shadowproxy::testing::run_shell;
using shadowproxy::testing::shell_quote;

const std::filesystem::path source_dir{SHADOWPROXY_SOURCE_DIR};

const char* const variants[] = {"k8s", "k8s/gateway", "k8s/sidecar", "k8s/models"};

std::vector<YAML::Node> render(const std::string& dir) {
    const auto result = run_shell("kubectl kustomize " + shell_quote((source_dir / dir).string()));
    EXPECT_EQ(result.exit_code, 0) << dir << ":\n" << result.output;
    return result.exit_code == 0 ? YAML::LoadAll(result.output) : std::vector<YAML::Node>{};
}

std::string text(const YAML::Node& node) {
    return node && node.IsScalar() ? node.as<std::string>() : std::string{};
}

// The pod template of a workload, or an undefined node for other kinds.
YAML::Node pod_spec(const YAML::Node& doc) {
    const auto kind = text(doc["kind"]);
    if (kind == "Pod") {
        return doc["spec"];
    }
    if (kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" || kind == "Job" ||
        kind == "ReplicaSet") {
        return doc["spec"]["template"]["spec"];
    }
    if (kind == "CronJob") {
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    }
    return YAML::Node{};
}

// A container setting, or the pod-level one when the container leaves it out.
YAML::Node effective(const YAML::Node& pod, const YAML::Node& container, const char* key) {
    const auto own = container["securityContext"][key];
    return own ? own : pod["securityContext"][key];
}

void check_container(const YAML::Node& pod, const YAML::Node& container, const std::string& where) {
    const auto sc = container["securityContext"];
    EXPECT_EQ(text(sc["allowPrivilegeEscalation"]), "false") << where;
    EXPECT_EQ(text(sc["readOnlyRootFilesystem"]), "true") << where;
    EXPECT_NE(text(sc["privileged"]), "true") << where;
    const auto drop = sc["capabilities"]["drop"];
    ASSERT_TRUE(drop.IsSequence()) << where << ": capabilities.drop";
    bool drops_all = false;
    for (const auto& capability : drop) {
        drops_all = drops_all || capability.as<std::string>() == "ALL";
    }
    EXPECT_TRUE(drops_all) << where << ": capabilities.drop must list ALL";
    EXPECT_FALSE(sc["capabilities"]["add"]) << where << ": no capability may be added";
    EXPECT_EQ(text(effective(pod, container, "runAsNonRoot")), "true") << where;
    const auto user = effective(pod, container, "runAsUser");
    EXPECT_TRUE(!user || user.as<long>() != 0) << where << ": runAsUser 0";
    EXPECT_EQ(text(effective(pod, container, "seccompProfile")["type"]), "RuntimeDefault") << where;
}

class PodSecurity : public ::testing::Test {
protected:
    void SetUp() override {
        if (!have_tool("kubectl")) {
            GTEST_SKIP() << "kubectl is not installed: k8s/ was not rendered";
        }
    }
};

TEST_F(PodSecurity, EveryPodSpecOfEveryVariantIsRestricted) {
    for (const char* variant : variants) {
        int pods = 0;
        for (const auto& doc : render(variant)) {
            const auto pod = pod_spec(doc);
            if (!pod) {
                continue;
            }
            ++pods;
            const auto where = std::string(variant) + ": " + text(doc["kind"]) + " " +
                               text(doc["metadata"]["namespace"]) + "/" +
                               text(doc["metadata"]["name"]);
            EXPECT_EQ(text(pod["securityContext"]["seccompProfile"]["type"]), "RuntimeDefault")
                << where;
            EXPECT_EQ(text(pod["securityContext"]["runAsNonRoot"]), "true") << where;
            for (const char* host : {"hostNetwork", "hostPID", "hostIPC"}) {
                EXPECT_NE(text(pod[host]), "true") << where << ": " << host;
            }
            for (const auto& volume : pod["volumes"]) {
                EXPECT_FALSE(volume["hostPath"]) << where << ": hostPath volume";
            }
            for (const char* list : {"containers", "initContainers"}) {
                for (const auto& container : pod[list]) {
                    check_container(pod, container,
                                    where + " container " + text(container["name"]));
                }
            }
        }
        EXPECT_GT(pods, 0) << variant << " renders no pod";
    }
}

TEST_F(PodSecurity, NamespacesEnforceTheRestrictedStandard) {
    int namespaces = 0;
    for (const auto& doc : render("k8s")) {
        if (text(doc["kind"]) == "Namespace") {
            ++namespaces;
            EXPECT_EQ(text(doc["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]),
                      "restricted")
                << text(doc["metadata"]["name"]);
        }
    }
    EXPECT_EQ(namespaces, 2);
}

// kustomize's hashed names would roll the pods on every edit: the proxy reloads instead.
TEST_F(PodSecurity, ProxyConfigMapsKeepPlainNames) {
    int found = 0;
    for (const auto& doc : render("k8s")) {
        if (text(doc["kind"]) == "ConfigMap" && doc["data"]["config.yaml"]) {
            ++found;
            EXPECT_EQ(text(doc["metadata"]["name"]), "shadowproxy-config");
        }
    }
    EXPECT_EQ(found, 2);
}

TEST_F(PodSecurity, AdminPortOnlyForTheMonitoringNamespace) {
    int policies = 0;
    for (const auto& doc : render("k8s")) {
        const auto kind = text(doc["kind"]);
        const auto name = text(doc["metadata"]["namespace"]) + "/" + text(doc["metadata"]["name"]);
        if (kind == "Service") {
            const bool metrics = text(doc["metadata"]["name"]) == "shadowproxy-metrics";
            for (const auto& port : doc["spec"]["ports"]) {
                if (text(port["targetPort"]) == "admin" || text(port["port"]) == "9901") {
                    EXPECT_TRUE(metrics) << name << " publishes the admin port";
                }
            }
        }
        if (kind != "NetworkPolicy") {
            continue;
        }
        ++policies;
        bool admin_rule = false;
        for (const auto& rule : doc["spec"]["ingress"]) {
            bool admin = false;
            for (const auto& port : rule["ports"]) {
                admin = admin || text(port["port"]) == "admin" || text(port["port"]) == "9901";
            }
            if (!admin) {
                continue;
            }
            admin_rule = true;
            ASSERT_TRUE(rule["from"].IsSequence()) << name << ": admin open to every source";
            for (const auto& peer : rule["from"]) {
                EXPECT_EQ(
                    text(peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]),
                    "monitoring")
                    << name;
                EXPECT_FALSE(peer["ipBlock"]) << name;
            }
        }
        EXPECT_TRUE(admin_rule) << name << ": no rule for the admin port";
    }
    EXPECT_EQ(policies, 2);
}

}  // namespace
