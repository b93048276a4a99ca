// One shadowproxy per listen port (README, Commands; docs/operations.md): the workers share
// their port through SO_REUSEPORT, which would also let a second shadowproxy of the same user
// bind it and take part of the traffic. A second proxy on a served port must exit 2 at start,
// naming the address, however close together the two starts are, and leave the first serving.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include "support/binaries.hpp"
#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::string config_on(unsigned short port, const fake_upstream& production, unsigned threads) {
    return "listen: {address: 127.0.0.1, port: " + std::to_string(port) +
           "}\nadmin: {address: 127.0.0.1, port: 0}\nthreads: " + std::to_string(threads) +
           "\nlog: {path: \"-\"}\nproduction: {name: model-v1, url: \"" + production.url() +
           "\"}\n";
}

// A proxy started without waiting for it, so that several can start at the same moment.
// Killed (SIGKILL, by PID) if still running when destroyed.
class racing_proxy {
public:
    explicit racing_proxy(const std::string& config_text) {
        std::string pattern = (fs::temp_directory_path() / "shadowproxy-port-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            ADD_FAILURE() << "mkdtemp failed";
            return;
        }
        dir_ = pattern;
        std::ofstream(dir_ + "/config.yaml") << config_text;
        pid_ = spawn({shadowproxy_binary(), "serve", "--config", dir_ + "/config.yaml"},
                     "/dev/null", dir_ + "/stderr", "/dev/null");
        if (pid_ < 0) {
            ADD_FAILURE() << "cannot start " << shadowproxy_binary();
        }
    }
    ~racing_proxy() {
        if (pid_ > 0 && !exit_code_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }
    racing_proxy(const racing_proxy&) = delete;
    racing_proxy& operator=(const racing_proxy&) = delete;

    // The exit code once the process has ended (reaped here), else nullopt.
    std::optional<int> exit_code() {
        int status = 0;
        if (!exit_code_ && pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        return exit_code_;
    }
    bool serving() { return !exit_code() && err().find("listening on") != std::string::npos; }
    bool settled() { return exit_code() || serving(); }
    std::string err() const {
        std::ifstream in(dir_ + "/stderr");
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
    std::optional<int> stop() {
        ::kill(pid_, SIGTERM);
        wait_until([&] { return exit_code().has_value(); }, milliseconds(10000), "exit");
        return exit_code();
    }

private:
    std::string dir_;
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
};

TEST(ListenPort, SecondProxyOnServedPortExits2NamingTheAddress) {
    fake_upstream production;
    proxy_process first{"production: {name: model-v1, url: \"" + production.url() + "\"}\n"};
    ASSERT_TRUE(first.ready());
    const std::string port = std::to_string(first.port());

    std::ofstream(first.dir() + "/second.yaml") << config_on(first.port(), production, 2);
    const auto result =
        run_binary({"serve", "--config", first.dir() + "/second.yaml"}, milliseconds(10000));
    EXPECT_EQ(result.exit_code, 2) << "a second proxy shared the port: " << result.err;
    EXPECT_NE(result.err.find("cannot listen on 127.0.0.1:" + port + ": another shadowproxy (pid " +
                              std::to_string(first.pid()) + ") is already serving port " + port),
              std::string::npos)
        << result.err;

    const auto answer = http_get(first.port(), "/still-first");
    EXPECT_EQ(answer.status, 200U) << answer.error;
    EXPECT_EQ(production.request_count(), 1U);
}

TEST(ListenPort, ProxiesStartedTogetherOnOnePortLeaveExactlyOneServing) {
    constexpr int rounds = 3;
    constexpr int proxies = 3;
    fake_upstream production;
    for (int round = 0; round < rounds; ++round) {
        const unsigned short port = free_port();
        ASSERT_NE(port, 0);
        std::vector<std::unique_ptr<racing_proxy>> started;
        for (int i = 0; i < proxies; ++i) {
            started.push_back(std::make_unique<racing_proxy>(config_on(port, production, 2)));
        }
        ASSERT_TRUE(wait_until(
            [&] {
                return std::all_of(started.begin(), started.end(),
                                   [](const auto& p) { return p->settled(); });
            },
            milliseconds(20000), "every proxy serving or exited"));
        racing_proxy* winner = nullptr;
        for (auto& p : started) {
            if (p->serving()) {
                EXPECT_EQ(winner, nullptr) << "two proxies serve port " << port;
                winner = p.get();
                continue;
            }
            EXPECT_EQ(p->exit_code(), 2) << p->err();
            EXPECT_NE(p->err().find("cannot listen on 127.0.0.1:" + std::to_string(port) + ": "),
                      std::string::npos)
                << p->err();
        }
        ASSERT_NE(winner, nullptr) << "no proxy serves port " << port;
        const auto before = production.request_count();
        for (int i = 0; i < 8; ++i) {
            const auto answer = http_get(port, "/round");
            EXPECT_EQ(answer.status, 200U) << answer.error;
        }
        EXPECT_EQ(production.request_count(), before + 8);
        EXPECT_EQ(winner->stop(), 0) << winner->err();
    }
}

TEST(ListenPort, PortIsFreeAgainOnceTheProxyServingItStopped) {
    fake_upstream production;
    const unsigned short port = free_port();
    ASSERT_NE(port, 0);
    {
        racing_proxy first{config_on(port, production, 1)};
        ASSERT_TRUE(wait_until([&] { return first.settled(); }, milliseconds(15000), "start"));
        ASSERT_TRUE(first.serving()) << first.err();
        EXPECT_EQ(first.stop(), 0) << first.err();
    }
    racing_proxy second{config_on(port, production, 1)};
    ASSERT_TRUE(wait_until([&] { return second.settled(); }, milliseconds(15000), "start"));
    ASSERT_TRUE(second.serving()) << second.err();
    EXPECT_EQ(http_get(port, "/again").status, 200U);
    EXPECT_EQ(second.stop(), 0) << second.err();
}

}  // namespace
}  // namespace shadowproxy::testing
