// Every pod spec of every rendered k8s/ variant meets the "restricted" Pod Security Standard
// (seccomp RuntimeDefault, non-root, no privilege escalation, all capabilities dropped) and keeps
// a read-only root filesystem; the namespaces enforce that standard; the proxy's ConfigMaps keep
// plain names (edits reload in place instead of rolling pods); the admin port is not on a
// client-facing Service and only the monitoring namespace may reach it. Skips without kubectl.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <initializer_list>
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

// The node at `path` below `node`, or a null node when any step is missing (no yaml-cpp
// exception for a manifest that lacks a field: the check fails with its message instead).
YAML::Node at(const YAML::Node& node, std::initializer_list<const char*> path) {
    YAML::Node current = node;
    for (const char* key : path) {
        if (!current.IsMap() || !current[key]) {
            return YAML::Node{};
        }
        current.reset(current[key]);  // rebinds; operator= would overwrite the document
    }
    return current;
}

// The pod template of a workload, or a null node for other kinds.
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
    const auto own = at(container, {"securityContext", key});
    return own.IsNull() ? at(pod, {"securityContext", key}) : own;
}

void check_container(const YAML::Node& pod, const YAML::Node& container, const std::string& where) {
    const auto sc = at(container, {"securityContext"});
    EXPECT_EQ(text(at(sc, {"allowPrivilegeEscalation"})), "false") << where;
    EXPECT_EQ(text(at(sc, {"readOnlyRootFilesystem"})), "true") << where;
    EXPECT_NE(text(at(sc, {"privileged"})), "true") << where;
    const auto drop = at(sc, {"capabilities", "drop"});
    ASSERT_TRUE(drop.IsSequence()) << where << ": capabilities.drop";
    bool drops_all = false;
    for (const auto& capability : drop) {
        drops_all = drops_all || capability.as<std::string>() == "ALL";
    }
    EXPECT_TRUE(drops_all) << where << ": capabilities.drop must list ALL";
    EXPECT_TRUE(at(sc, {"capabilities", "add"}).IsNull()) << where << ": no capability added";
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
            if (!pod.IsMap()) {
                continue;
            }
            ++pods;
            const auto where = std::string(variant) + ": " + text(doc["kind"]) + " " +
                               text(doc["metadata"]["namespace"]) + "/" +
                               text(doc["metadata"]["name"]);
            EXPECT_EQ(text(at(pod, {"securityContext", "seccompProfile", "type"})),
                      "RuntimeDefault")
                << where;
            EXPECT_EQ(text(at(pod, {"securityContext", "runAsNonRoot"})), "true") << where;
            for (const char* host : {"hostNetwork", "hostPID", "hostIPC"}) {
                EXPECT_NE(text(at(pod, {host})), "true") << where << ": " << host;
            }
            for (const auto& volume : at(pod, {"volumes"})) {
                EXPECT_TRUE(at(volume, {"hostPath"}).IsNull()) << where << ": hostPath volume";
            }
            for (const char* list : {"containers", "initContainers"}) {
                for (const auto& container : at(pod, {list})) {
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
            EXPECT_EQ(text(at(doc, {"metadata", "labels", "pod-security.kubernetes.io/enforce"})),
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
        if (text(doc["kind"]) == "ConfigMap" && !at(doc, {"data", "config.yaml"}).IsNull()) {
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
