// Static checks of docker/ (the image itself is built and run by deploy_image_test.cpp): COPY
// sources that do not exist, runtime packages Debian 12 does not have, shared libraries of the
// built binary that the slim runtime image would lack, a lean build stage, and compose/config
// wiring that disagrees with the Dockerfile. Tools run under `timeout`; a missing dpkg or
// apt-cache skips the checks that need it.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/regex_pattern.hpp"
#include "support/binaries.hpp"
#include "support/shell.hpp"

namespace {

using shadowproxy::testing::shadowproxy_binary;

using shadowproxy::test_support::regex_pattern;

using shadowproxy::testing::have_tool;
using shadowproxy::testing::run_shell;
using shadowproxy::testing::shell_quote;
using shadowproxy::testing::shell_result;

namespace fs = std::filesystem;

const fs::path source_dir{SHADOWPROXY_SOURCE_DIR};

// The Dockerfile's instructions with line continuations joined, one string each.
std::vector<std::string> instructions(const fs::path& dockerfile) {
    std::ifstream in(dockerfile);
    std::vector<std::string> out;
    std::string line;
    std::string pending;
    while (std::getline(in, line)) {
        if (pending.empty() && (line.empty() || line.front() == '#')) {
            continue;
        }
        const bool continued = !line.empty() && line.back() == '\\';
        pending += continued ? line.substr(0, line.size() - 1) : line;
        if (!continued) {
            out.push_back(pending);
            pending.clear();
        }
    }
    return out;
}

std::vector<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string word; in >> word;) {
        out.push_back(word);
    }
    return out;
}

// Package names may hold regex syntax ("libstdc++6").
std::string regex_escaped(const std::string& text) {
    static const regex_pattern special(R"([.^$|()\[\]{}*+?\\])");
    return special.replace_all(text, R"(\$&)");
}

// Packages named after `apt-get install` in the last stage (the runtime image).
std::set<std::string> runtime_packages(const fs::path& dockerfile) {
    std::set<std::string> packages;
    for (const auto& instruction : instructions(dockerfile)) {
        if (instruction.starts_with("FROM ")) {
            packages.clear();
        }
        const auto install = instruction.find("apt-get install");
        if (!instruction.starts_with("RUN ") || install == std::string::npos) {
            continue;
        }
        const auto end = instruction.find("&&", install);
        for (const auto& word : words(instruction.substr(install, end - install))) {
            if (word != "apt-get" && word != "install" && !word.starts_with("-")) {
                packages.insert(word);
            }
        }
    }
    return packages;
}

TEST(DeployDocker, CopySourcesExist) {
    for (const char* name : {"docker/Dockerfile", "docker/model-server.Dockerfile"}) {
        int copies = 0;
        for (const auto& instruction : instructions(source_dir / name)) {
            auto args = words(instruction);
            if (args.empty() || args.front() != "COPY" ||
                instruction.find("--from=") != std::string::npos) {
                continue;
            }
            ++copies;
            for (std::size_t i = 1; i + 1 < args.size(); ++i) {  // the last word is the target
                EXPECT_TRUE(fs::exists(source_dir / args[i])) << name << ": COPY " << args[i];
            }
        }
        EXPECT_GT(copies, 3) << name;
    }
}

// The image copies the source tree piecemeal; a directory the build reads must not be missed.
TEST(DeployDocker, BuildStageCopiesEverySubdirectoryTheBuildReads) {
    std::ifstream in(source_dir / "CMakeLists.txt");
    std::stringstream text;
    text << in.rdbuf();
    const auto dockerfile = instructions(source_dir / "docker/Dockerfile");
    const regex_pattern subdirectory(R"(add_subdirectory\(([\w/]+)\))");
    const std::string cmake = text.str();
    for (const auto& match : subdirectory.search_all(cmake)) {
        const std::string& dir = match[1];
        if (dir == "fuzz" || dir == "tests" || dir == "bench/openloop") {
            continue;  // only with SHADOWPROXY_FUZZ / BUILD_TESTING, both off in the image
        }
        const bool copied = std::any_of(dockerfile.begin(), dockerfile.end(), [&](const auto& i) {
            return i.starts_with("COPY " + dir + "/ ");
        });
        EXPECT_TRUE(copied) << "docker/Dockerfile does not COPY " << dir << "/";
    }
}

// The image compiles the proxy alone, tests off, and ships it stripped with its debug info split
// off in the build stage; the runtime stage takes it from the replaceable "binary" stage.
TEST(DeployDocker, BuildStageIsLeanAndStripsTheBinary) {
    const auto dockerfile = instructions(source_dir / "docker/Dockerfile");
    const auto has = [&](const std::string& text) {
        return std::any_of(dockerfile.begin(), dockerfile.end(),
                           [&](const auto& i) { return i.find(text) != std::string::npos; });
    };
    EXPECT_TRUE(has("-DBUILD_TESTING=OFF"));
    EXPECT_TRUE(has("--target shadowproxy "));
    EXPECT_FALSE(has("COPY tests/")) << "the test tree is not built in the image";
    EXPECT_TRUE(has("objcopy --only-keep-debug shadowproxy shadowproxy.debug"));
    EXPECT_TRUE(has("strip --strip-unneeded /out/usr/local/bin/shadowproxy"));
    EXPECT_TRUE(has("FROM scratch AS binary"));
    EXPECT_TRUE(has("COPY --from=binary / /"));
    EXPECT_FALSE(runtime_packages(source_dir / "docker/Dockerfile").contains("curl"));
    EXPECT_FALSE(has("HEALTHCHECK")) << "Kubernetes probes the admin port itself";
}

TEST(DeployDocker, RuntimePackagesExistInDebian) {
    if (run_shell("command -v apt-cache >/dev/null").exit_code != 0) {
        GTEST_SKIP() << "apt-cache is not available: package names were not checked";
    }
    const auto packages = runtime_packages(source_dir / "docker/Dockerfile");
    ASSERT_FALSE(packages.empty());
    std::string names;
    for (const auto& package : packages) {
        names += " " + package;
    }
    // One call, as apt-cache is slow to start. It prints a block "name:\n  Installed: …\n
    // Candidate: …" for each package it knows and silently skips the others.
    const auto result = run_shell("apt-cache policy" + names);
    ASSERT_EQ(result.exit_code, 0) << result.output;
    for (const auto& package : packages) {
        const regex_pattern known("(^|\n)" + regex_escaped(package) +
                                  R"(:\n  Installed: .*\n  Candidate: ([^\n]+))");
        const auto match = known.search(result.output);
        const bool found = !match.empty();
        EXPECT_TRUE(found && match[2] != "(none)")
            << package << " is not a Debian package this machine's sources know";
    }
}

// Every shared library the freshly built binary loads comes from a package the runtime stage
// installs or from debian:12-slim itself.
TEST(DeployDocker, RuntimeImageHasEveryLibraryTheBinaryLinks) {
    if (run_shell("command -v dpkg >/dev/null && command -v ldd >/dev/null").exit_code != 0) {
        GTEST_SKIP() << "dpkg or ldd is not available: libraries were not checked";
    }
    auto available = runtime_packages(source_dir / "docker/Dockerfile");
    available.insert({"libc6", "libgcc-s1", "libstdc++6", "zlib1g"});  // in debian:12-slim
    // usrmerge: dpkg may know a library under /lib or /usr/lib, as the link or its target.
    const auto libraries = run_shell(
        std::string("for f in $(ldd ") + shadowproxy_binary() +
        " | awk '/=> \\//{print $3}'); do r=$(readlink -f \"$f\"); found=;"
        " for p in \"$f\" \"$r\" \"${f#/usr}\" \"${r#/usr}\"; do"
        " o=$(dpkg -S \"$p\" 2>/dev/null) && { echo \"${o%%:*}\"; found=1; break; }; done;"
        " [ -n \"$found\" ] || echo \"unowned:$f\"; done | sort -u");
    ASSERT_EQ(libraries.exit_code, 0) << libraries.output;
    for (const auto& package : words(libraries.output)) {
        // Sanitizer builds of the tests link their runtimes; the image ships a release build.
        if (package.starts_with("libasan") || package.starts_with("libubsan") ||
            package.starts_with("libtsan")) {
            continue;
        }
        EXPECT_TRUE(available.contains(package))
            << shadowproxy_binary() << " links a library from " << package
            << ", which the runtime stage of docker/Dockerfile does not install";
    }
}

TEST(DeployDocker, ComposeAndConfigAgreeWithTheImage) {
    const auto compose = YAML::LoadFile((source_dir / "docker/compose.yaml").string());
    for (const char* service : {"model-v1", "model-v2", "shadowproxy"}) {
        ASSERT_TRUE(compose["services"][service]) << service;
        const auto dockerfile = compose["services"][service]["build"]["dockerfile"];
        ASSERT_TRUE(dockerfile) << service;
        EXPECT_TRUE(fs::exists(source_dir / dockerfile.as<std::string>())) << service;
    }
    const auto config = YAML::LoadFile((source_dir / "docker/config.yaml").string());
    EXPECT_EQ(config["listen"]["address"].as<std::string>(), "0.0.0.0");
    EXPECT_EQ(config["listen"]["port"].as<int>(), 8080);
    EXPECT_EQ(config["admin"]["address"].as<std::string>(), "0.0.0.0");
    EXPECT_EQ(config["admin"]["port"].as<int>(), 9901);
    EXPECT_EQ(config["log"]["path"].as<std::string>(), "-");
    EXPECT_EQ(config["production"]["url"].as<std::string>(), "http://model-v1:8080");
    EXPECT_EQ(config["shadows"][0]["url"].as<std::string>(), "http://model-v2:8080");

    const auto dockerfile = instructions(source_dir / "docker/Dockerfile");
    const auto has = [&](const std::string& text) {
        return std::any_of(dockerfile.begin(), dockerfile.end(),
                           [&](const auto& i) { return i.find(text) != std::string::npos; });
    };
    EXPECT_TRUE(has("EXPOSE 8080 9901"));
    EXPECT_TRUE(has(R"(ENTRYPOINT ["shadowproxy"])"));
    EXPECT_TRUE(has(R"(CMD ["serve", "--config", "/etc/shadowproxy/config.yaml"])"));
    EXPECT_TRUE(has("COPY docker/config.yaml /etc/shadowproxy/config.yaml"));
    EXPECT_TRUE(has("USER shadowproxy"));
}

}  // namespace
