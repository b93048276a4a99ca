// Smoke test of the proxy's container image as an operator runs it. The runtime stage of
// docker/Dockerfile is built around the binary under test (`scripts/image.sh runtime`: cached
// layers, no compile) and run with docker when an engine answers, else with buildah (chroot
// isolation; `podman run` cannot start containers on hosts with hybrid cgroups). Host network:
// the proxy inside the image listens on 127.0.0.1 and reaches this test's fake models there.
// Skipped, with the reason, only when neither docker nor buildah can run, and in sanitizer
// builds (the image holds no sanitizer runtimes). Every command is bounded by `timeout`.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/binaries.hpp"
#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/shell.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

const fs::path source_dir{SHADOWPROXY_SOURCE_DIR};
// Per process, so suites running side by side (other checkouts) do not retag each other's image.
const std::string image = "shadowproxy:smoke-test-" + std::to_string(::getpid());

std::string text_of(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string joined(const std::vector<std::string>& args) {
    std::string out;
    for (const auto& arg : args) {
        out += " " + shell_quote(arg);
    }
    return out;
}

// The engine that runs the image: docker with a live daemon, else buildah; empty when neither.
std::string pick_engine() {
    if (have_tool("docker") && run_shell("docker info >/dev/null 2>&1", 20).exit_code == 0) {
        return "docker";
    }
    if (have_tool("buildah") && run_shell("buildah info >/dev/null 2>&1", 20).exit_code == 0) {
        return "buildah";
    }
    return {};
}

// A shell command in its own process group, stdout and stderr to files. The destructor kills
// the group if the command still runs.
class background_command {
public:
    background_command(const std::string& command, const fs::path& out, const fs::path& err) {
        pid_ = ::fork();
        if (pid_ == 0) {
            ::setpgid(0, 0);
            const std::string line = "exec " + command + " >" + shell_quote(out.string()) + " 2>" +
                                     shell_quote(err.string()) + " </dev/null";
            ::execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::setpgid(pid_, pid_);
    }
    ~background_command() {
        if (running()) {
            ::kill(-pid_, SIGKILL);
            ::waitpid(pid_, &status_, 0);
        }
    }
    background_command(const background_command&) = delete;
    background_command& operator=(const background_command&) = delete;

    bool running() {
        if (exited_) {
            return false;
        }
        exited_ = ::waitpid(pid_, &status_, WNOHANG) == pid_;
        return !exited_;
    }

    // Sends `signo` to the processes of this group whose name is `comm`; how many there were.
    int signal_named(const std::string& comm, int signo) const {
        int sent = 0;
        std::error_code error;
        for (const auto& entry : fs::directory_iterator("/proc", error)) {
            std::ifstream in(entry.path() / "stat");
            std::string stat;
            std::getline(in, stat);
            const auto open = stat.find('(');
            const auto close = stat.rfind(')');
            if (open == std::string::npos || close == std::string::npos ||
                close + 2 > stat.size()) {
                continue;
            }
            std::istringstream rest(stat.substr(close + 2));
            char state = 0;
            pid_t parent = 0;
            pid_t group = 0;
            rest >> state >> parent >> group;
            if (group == pid_ && stat.substr(open + 1, close - open - 1) == comm) {
                sent += ::kill(std::stoi(stat.substr(0, open)), signo) == 0 ? 1 : 0;
            }
        }
        return sent;
    }

    // The exit code once it has exited within `timeout`; -1 when it did not (then the group is
    // killed) or when a signal ended it.
    int wait_exit(std::chrono::milliseconds timeout) {
        if (!wait_until([&] { return !running(); }, timeout, "exit")) {
            ::kill(-pid_, SIGKILL);
            ::waitpid(pid_, &status_, 0);
            exited_ = true;
            return -1;
        }
        return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
    }

private:
    pid_t pid_ = -1;
    int status_ = 0;
    bool exited_ = false;
};

// The built image plus, for buildah, one working container to run commands in; removed at the
// end. Commands see `dir` as /smoke.
class image_runner {
public:
    image_runner(std::string engine, fs::path dir) : engine_(std::move(engine)), dir_(dir) {}
    ~image_runner() {
        if (!container_.empty()) {
            run_shell("buildah rm " + shell_quote(container_) + " >/dev/null", 60);
        }
        if (built_) {  // the tag only: the layers stay cached for the next run
            run_shell(engine_ + " rmi " + image + " >/dev/null", 60);
        }
    }
    image_runner(const image_runner&) = delete;
    image_runner& operator=(const image_runner&) = delete;

    // Builds the runtime stage around the binary under test; the layers before the binary's are
    // cached, so this is seconds after the first time (which installs the runtime packages).
    ::testing::AssertionResult build() {
        const auto built =
            run_shell("cd " + shell_quote(source_dir.string()) + " && IMAGE_ENGINE=" + engine_ +
                          " IMAGE_TAG=" + image + " scripts/image.sh runtime " +
                          shell_quote(shadowproxy_binary()),
                      280);
        built_ = built.exit_code == 0;
        if (!built_) {
            return ::testing::AssertionFailure()
                   << "scripts/image.sh runtime failed (exit " << built.exit_code << "):\n"
                   << built.output;
        }
        if (engine_ == "buildah") {
            const auto from =
                run_shell("buildah from --pull=never --name " + name() + " " + image, 60);
            if (from.exit_code != 0) {
                return ::testing::AssertionFailure() << "buildah from: " << from.output;
            }
            container_ = name();
        }
        return ::testing::AssertionSuccess();
    }

    // A field of the image's config (Entrypoint, Cmd, User), null when unreadable.
    json config(const std::string& field) const {
        const bool docker = engine_ == "docker";
        const auto out =
            run_shell((docker ? "docker image inspect " : "buildah inspect --type image ") + image +
                          " 2>/dev/null",
                      30);
        const auto inspected = json::parse(out.output, nullptr, false);
        const auto pointer =
            json::json_pointer(docker ? "/0/Config/" + field : "/OCIv1/config/" + field);
        return inspected.is_discarded() || !inspected.contains(pointer) ? json()
                                                                        : inspected[pointer];
    }

    // The shell command that runs ARGS in the image: after the image's entrypoint, as
    // `docker run IMAGE ARGS` does, or instead of it (`program` true: ARGS[0] is the program).
    std::string command(const std::vector<std::string>& args, bool program = false) const {
        const std::string mount = dir_.string() + ":/smoke";
        if (engine_ == "docker") {
            const std::string entry = program ? " --entrypoint " + shell_quote(args.front()) : "";
            const std::vector<std::string> rest(args.begin() + (program ? 1 : 0), args.end());
            return "docker run --rm --network host --name " + name() + " -v " + shell_quote(mount) +
                   entry + " " + image + joined(rest);
        }
        std::vector<std::string> argv;
        if (!program) {
            const auto entrypoint = config("Entrypoint");
            argv = entrypoint.is_array() ? entrypoint.get<std::vector<std::string>>()
                                         : std::vector<std::string>{};
        }
        argv.insert(argv.end(), args.begin(), args.end());
        return "buildah run --isolation chroot --network host -v " + shell_quote(mount) + " " +
               container_ + " --" + joined(argv);
    }

    shell_result run(const std::vector<std::string>& args, bool program = false) const {
        return run_shell(command(args, program), 60);
    }

    // Stops the proxy that `serve` runs in the image with SIGTERM, as an orchestrator does.
    // `buildah run` answers SIGTERM by killing its child outright, so the proxy is signalled
    // itself; docker forwards `docker stop` to it.
    bool stop(const background_command& serve) const {
        if (engine_ == "docker") {
            return run_shell("docker stop --time 20 " + name() + " >/dev/null", 30).exit_code == 0;
        }
        return serve.signal_named("shadowproxy", SIGTERM) == 1;
    }

private:
    std::string name() const { return "shadowproxy-smoke-" + std::to_string(::getpid()); }

    std::string engine_;
    fs::path dir_;
    std::string container_;
    bool built_ = false;
};

// Comparison records among the proxy's stdout lines (the JSON objects).
std::vector<json> records_in(const std::string& text) {
    std::vector<json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.front() == '{') {
            auto record = json::parse(line, nullptr, false);
            if (!record.is_discarded() && record.contains("request_id")) {
                out.push_back(record);
            }
        }
    }
    return out;
}

TEST(DeployImage, RuntimeImageServesChecksAndReports) {
    if (sanitized_binary()) {
        GTEST_SKIP() << "sanitizer build: the image cannot hold ASan/TSan runtimes, so the image "
                        "smoke test runs in the release build only";
    }
    const auto engine = pick_engine();
    if (engine.empty()) {
        GTEST_SKIP() << "IMAGE SMOKE TEST NOT RUN: no Docker engine answers `docker info` and "
                        "buildah is not installed or cannot run (scripts/install-deps.sh image)";
    }
    char dir_template[] = "/tmp/shadowproxy-image-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    const fs::path dir{dir_template};
    fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
    image_runner runner(engine, dir);
    ASSERT_TRUE(runner.build());

    // The entrypoint is the bare binary, so any subcommand runs; the default command serves.
    EXPECT_EQ(runner.config("Entrypoint"), json::parse(R"(["shadowproxy"])"));
    EXPECT_EQ(runner.config("Cmd"),
              json::parse(R"(["serve", "--config", "/etc/shadowproxy/config.yaml"])"));

    const auto version = runner.run({"--version"});
    EXPECT_EQ(version.exit_code, 0) << version.output;
    EXPECT_NE(version.output.find("shadowproxy "), std::string::npos) << version.output;

    const auto check = runner.run({"check", "--config", "/etc/shadowproxy/config.yaml"});
    EXPECT_EQ(check.exit_code, 0) << check.output;
    EXPECT_NE(check.output.find("ok"), std::string::npos) << check.output;

    const auto user = runner.run({"id", "-u"}, true);
    EXPECT_EQ(user.exit_code, 0) << user.output;
    EXPECT_EQ(user.output, "10001\n") << "the image must run as its non-root user";

    // The embedded config names model-v1/model-v2 hosts; serving uses 127.0.0.1 fakes instead.
    fake_upstream production{[](const received_request&) {
        reply r;
        r.body = R"({"prediction":1,"model_version":"v1"})";
        return r;
    }};
    fake_upstream shadow{[](const received_request&) {
        reply r;
        r.body = R"({"prediction":1,"model_version":"v2"})";
        return r;
    }};
    const auto port = free_port();
    const auto admin_port = free_port();
    std::ofstream(dir / "config.yaml")
        << "listen: {address: 127.0.0.1, port: " << port << "}\n"
        << "admin: {address: 127.0.0.1, port: " << admin_port << "}\n"
        << "threads: 1\n"
        << "production: {name: v1, url: \"" << production.url() << "\"}\n"
        << "shadows:\n  - {name: v2, url: \"" << shadow.url() << "\", sample_rate: 1.0}\n"
        << "compare: {prediction_pointer: /prediction, ignore_pointers: [/model_version]}\n"
        << "log: {path: \"-\"}\n";
    fs::permissions(dir / "config.yaml", fs::perms::others_read, fs::perm_options::add);

    background_command serve(runner.command({"serve", "--config", "/smoke/config.yaml"}),
                             dir / "serve.out", dir / "serve.err");
    ASSERT_TRUE(wait_until(
        [&] { return http_get(admin_port, "/healthz", 500ms).status == 200 || !serve.running(); },
        60s, "/healthz from the proxy in the image"));
    ASSERT_TRUE(serve.running()) << text_of(dir / "serve.err");
    EXPECT_EQ(http_get(admin_port, "/healthz").status, 200U);

    const auto answer = http_request(port, "POST", "/predict", R"({"features":[1,2]})",
                                     {{"Content-Type", "application/json"}});
    EXPECT_EQ(answer.status, 200U) << answer.error;
    EXPECT_EQ(answer.body, R"({"prediction":1,"model_version":"v1"})");
    ASSERT_TRUE(wait_until([&] { return !records_in(text_of(dir / "serve.out")).empty(); }, 10s,
                           "a comparison record on the container's stdout"))
        << text_of(dir / "serve.err");
    const auto record = records_in(text_of(dir / "serve.out")).front();
    EXPECT_EQ(record["outcome"], "match") << record.dump();
    EXPECT_EQ(shadow.request_count(), 1U);

    EXPECT_TRUE(runner.stop(serve));
    EXPECT_EQ(serve.wait_exit(25s), 0) << "serve did not drain and exit 0 on SIGTERM:\n"
                                       << text_of(dir / "serve.err");

    // The records just written, read back by `report` through the same entrypoint.
    std::ofstream(dir / "records.jsonl") << text_of(dir / "serve.out");
    fs::permissions(dir / "records.jsonl", fs::perms::others_read, fs::perm_options::add);
    // A generous latency bound: the build machine may be loaded, this is not a latency test.
    const auto report = runner.run(
        {"report", "--min-requests", "1", "--max-p95-ms", "60000", "/smoke/records.jsonl"});
    EXPECT_EQ(report.exit_code, 0) << report.output;
    EXPECT_NE(report.output.find("Shadow v2: 1 requests"), std::string::npos) << report.output;
    EXPECT_NE(report.output.find("Promotion checklist: PASS"), std::string::npos) << report.output;

    fs::remove_all(dir);
}

}  // namespace
}  // namespace shadowproxy::testing
