// The watched config file: an edit written by rename (as editors and `kubectl cp` do) and the
// Kubernetes ConfigMap layout (config.yaml → ..data/config.yaml, ..data swapped atomically to a
// new directory) both reload within 2 s, with a keep-alive client unaffected.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string reload_ok = R"(shadowproxy_config_reloads_total{result="success"})";

std::string config_with_rate(const fake_upstream& production, const fake_upstream& shadow,
                             const std::string& rate) {
    return "production: {name: model-v1, url: \"" + production.url() +
           "\"}\nshadows:\n  - {name: model-v2, url: \"" + shadow.url() +
           "\", sample_rate: " + rate + "}\n";
}

double sample_rate(const proxy_process& proxy) {
    const auto stats =
        nlohmann::json::parse(http_get(proxy.admin_port(), "/stats").body, nullptr, false);
    return stats.is_discarded() ? -1 : stats["shadows"][0]["sample_rate"].get<double>();
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream(path) << text;
}

// After the reload the same keep-alive connection still answers, and the new rate applies.
void expect_rate_zero_applies(http_connection& client, const fake_upstream& shadow) {
    const auto mirrored_before = shadow.request_count();
    for (int i = 0; i < 5; ++i) {
        const auto response = client.send("POST", "/predict", R"({"x":1})");
        ASSERT_EQ(response.status, 200U) << response.error;
    }
    EXPECT_TRUE(client.connected());
    EXPECT_EQ(shadow.request_count(), mirrored_before);
}

TEST(AdminWatch, RenameWrittenEditReloadsWithinTwoSeconds) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{config_with_rate(production, shadow, "1.0")};
    ASSERT_TRUE(proxy.ready()) << proxy.stderr_text();
    http_connection client{proxy.port()};
    ASSERT_EQ(client.send("POST", "/predict", R"({"x":1})").status, 200U);
    ASSERT_TRUE(wait_until([&] { return shadow.request_count() == 1; }, 5s, "mirrored"));

    proxy.rewrite_config(config_with_rate(production, shadow, "0.0"));  // temp file + rename
    EXPECT_TRUE(wait_until([&] { return sample_rate(proxy) == 0.0; }, 2s, "sample_rate 0"));
    EXPECT_EQ(proxy.metric(reload_ok), 1);
    expect_rate_zero_applies(client, shadow);

    // A file in the directory that is not the config changes nothing.
    write_file(fs::path(proxy.dir()) / "unrelated.txt", "x");
    proxy.rewrite_config(config_with_rate(production, shadow, "0.0"));  // same bytes
    std::this_thread::sleep_for(600ms);  // three times the watcher's settle time
    EXPECT_EQ(proxy.metric(reload_ok), 1);
}

TEST(AdminWatch, KubernetesDataSymlinkSwapReloads) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{config_with_rate(production, shadow, "1.0")};
    ASSERT_TRUE(proxy.ready()) << proxy.stderr_text();
    http_connection client{proxy.port()};
    ASSERT_EQ(client.send("POST", "/predict", R"({"x":1})").status, 200U);
    ASSERT_TRUE(wait_until([&] { return shadow.request_count() == 1; }, 5s, "mirrored"));

    // Turn the running file into the kubelet's layout without changing its bytes.
    const fs::path dir = proxy.dir();
    const std::string text = read_file(proxy.config_path());
    fs::create_directory(dir / "..2026_11_28_v1");
    write_file(dir / "..2026_11_28_v1" / "config.yaml", text);
    fs::create_directory_symlink("..2026_11_28_v1", dir / "..data");
    fs::create_symlink("..data/config.yaml", dir / "config.yaml.link");
    fs::rename(dir / "config.yaml.link", proxy.config_path());

    // The kubelet's update: a new timestamped directory, ..data swapped to it by rename.
    std::string edited = text;
    const std::string from = "sample_rate: 1.0";
    ASSERT_NE(edited.find(from), std::string::npos) << edited;
    edited.replace(edited.find(from), from.size(), "sample_rate: 0.0");
    fs::create_directory(dir / "..2026_11_28_v2");
    write_file(dir / "..2026_11_28_v2" / "config.yaml", edited);
    fs::create_directory_symlink("..2026_11_28_v2", dir / "..data_tmp");
    fs::rename(dir / "..data_tmp", dir / "..data");
    fs::remove_all(dir / "..2026_11_28_v1");

    EXPECT_TRUE(wait_until([&] { return sample_rate(proxy) == 0.0; }, 2s, "sample_rate 0"));
    EXPECT_EQ(proxy.metric(reload_ok), 1);
    expect_rate_zero_applies(client, shadow);
}

}  // namespace
}  // namespace shadowproxy::testing
