// Lifecycle and command line, README (Commands), docs/operations.md: draining on SIGTERM (in-flight
// answers finish, /readyz says 503, exit 0 as soon as the work is done), `check` and `serve` exit
// codes, and the bare `shadowproxy --config FILE` form.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/binaries.hpp"
#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

extern char** environ;

namespace shadowproxy::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::string production_at(const std::string& url, const std::string& extra = {}) {
    return "production: {name: model-v1, url: \"" + url + "\"}\n" + extra;
}

// A config file in its own temporary directory, removed with the object.
class temp_config {
public:
    explicit temp_config(const std::string& text) {
        std::string pattern = (fs::temp_directory_path() / "shadowproxy-cli-XXXXXX").string();
        if (mkdtemp(pattern.data()) != nullptr) {
            dir_ = pattern;
        }
        path_ = dir_ + "/config.yaml";
        std::ofstream(path_) << text;
    }
    ~temp_config() {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }
    temp_config(const temp_config&) = delete;
    temp_config& operator=(const temp_config&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string dir_;
    std::string path_;
};

std::string listen_on(unsigned short port, unsigned short admin_port) {
    return "listen: {address: 127.0.0.1, port: " + std::to_string(port) +
           "}\nadmin: {address: 127.0.0.1, port: " + std::to_string(admin_port) +
           "}\nthreads: 1\nlog: {path: \"-\"}\n";
}

std::optional<int> wait_child(pid_t pid, milliseconds timeout) {
    const auto deadline = steady_clock::now() + timeout;
    do {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        std::this_thread::sleep_for(milliseconds(5));
    } while (steady_clock::now() < deadline);
    return std::nullopt;
}

TEST(ProxyLifecycle, SigtermLetsInFlightRequestFinishAndExitsSoonAfter) {
    fake_upstream production{[](const received_request&) {
        reply r;
        r.delay = milliseconds(1000);
        return r;
    }};
    proxy_process proxy{production_at(production.url(), "limits: {drain_timeout_ms: 10000}\n")};
    ASSERT_TRUE(proxy.ready());

    http_response in_flight;
    std::thread client{[&] { in_flight = http_get(proxy.port(), "/slow"); }};
    ASSERT_TRUE(wait_until([&] { return production.request_count() == 1; }, milliseconds(3000),
                           "request reached production"));
    const auto signalled = steady_clock::now();
    proxy.signal(SIGTERM);
    EXPECT_TRUE(wait_until(
        [&] { return http_get(proxy.admin_port(), "/readyz", milliseconds(200)).status == 503; },
        milliseconds(700), "/readyz answers 503 while draining"));
    client.join();
    EXPECT_EQ(in_flight.status, 200U) << in_flight.error;
    EXPECT_EQ(in_flight.body, R"({"prediction":1})");
    EXPECT_EQ(proxy.wait_exit(milliseconds(5000)), 0);
    EXPECT_LT(steady_clock::now() - signalled, milliseconds(2500))
        << "waited out the drain timeout instead of exiting when the work was done";
}

TEST(ProxyLifecycle, SigtermWithNothingInFlightExitsQuickly) {
    fake_upstream production;
    proxy_process proxy{production_at(production.url())};
    ASSERT_TRUE(proxy.ready());
    ASSERT_EQ(http_get(proxy.port(), "/").status, 200U);

    const auto signalled = steady_clock::now();
    EXPECT_EQ(proxy.stop(milliseconds(5000)), 0);
    EXPECT_LT(steady_clock::now() - signalled, milliseconds(1000));
}

TEST(ProxyLifecycle, SigtermClosesIdleKeepAliveConnections) {
    fake_upstream production;
    proxy_process proxy{production_at(production.url())};
    ASSERT_TRUE(proxy.ready());
    http_connection idle{proxy.port()};
    ASSERT_EQ(idle.send("GET", "/").status, 200U);

    const auto signalled = steady_clock::now();
    EXPECT_EQ(proxy.stop(milliseconds(5000)), 0);
    EXPECT_LT(steady_clock::now() - signalled, milliseconds(1000));
}

TEST(ProxyCli, CheckAcceptsExampleConfig) {
    const auto result = run_binary(
        {"check", "--config", std::string{SHADOWPROXY_SOURCE_DIR} + "/config/example.yaml"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "ok\n");
}

TEST(ProxyCli, CheckRejectsMisspelledKeyWithItsPath) {
    temp_config config{
        "production: {url: \"http://127.0.0.1:9\"}\n"
        "shadows:\n"
        "  - name: model-v2\n"
        "    url: \"http://127.0.0.1:10\"\n"
        "    sample_rte: 0.5\n"};
    const auto result = run_binary({"check", "--config", config.path()});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE((result.out + result.err).find("shadows[0].sample_rte"), std::string::npos)
        << result.out << result.err;
}

TEST(ProxyCli, ServeWithInvalidConfigExits2NamingTheKey) {
    temp_config config{listen_on(free_port(), free_port()) +
                       "production: {url: \"http://127.0.0.1:9\", timeout_ms: -5}\n"};
    const auto result = run_binary({"serve", "--config", config.path()}, milliseconds(10000));
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("production.timeout_ms"), std::string::npos) << result.err;
}

TEST(ProxyCli, ServeOnPortHeldByAnotherSocketExits2) {
    boost::asio::io_context context;
    boost::asio::ip::tcp::acceptor holder{context, {boost::asio::ip::make_address("127.0.0.1"), 0}};
    temp_config config{listen_on(holder.local_endpoint().port(), free_port()) +
                       production_at("http://127.0.0.1:9")};
    const auto result = run_binary({"serve", "--config", config.path()}, milliseconds(10000));
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("cannot listen"), std::string::npos) << result.err;
}

TEST(ProxyCli, VersionAndHelpExit0) {
    const auto version = run_binary({"--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_NE(version.out.find("shadowproxy"), std::string::npos) << version.out;
    const auto help = run_binary({"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("serve"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("check"), std::string::npos) << help.out;
}

TEST(ProxyCli, BareConfigFlagRunsTheProxy) {
    fake_upstream production;
    const auto port = free_port();
    temp_config config{listen_on(port, free_port()) + production_at(production.url())};
    std::vector<std::string> args{shadowproxy_binary(), "--config", config.path()};
    std::vector<char*> argv;
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ASSERT_EQ(spawned, 0);

    EXPECT_TRUE(wait_until([&] { return http_get(port, "/bare", milliseconds(300)).status == 200; },
                           milliseconds(10000), "the bare form serves requests"));
    EXPECT_EQ(production.request_count(), 1U);
    ::kill(pid, SIGTERM);
    auto code = wait_child(pid, milliseconds(5000));
    if (!code) {
        ::kill(pid, SIGKILL);
        code = wait_child(pid, milliseconds(5000));
    }
    EXPECT_EQ(code, 0);
}

}  // namespace
}  // namespace shadowproxy::testing
