// Hostile clients exhausting file descriptors: with a low RLIMIT_NOFILE and more idle clients
// than descriptors, the accept loop pauses instead of spinning, logs at most once a second with
// a count of what it suppressed, counts shadowproxy_accept_errors_total{reason}, warns at start
// that limits.max_connections cannot be reached, and serves a new client once a slot frees.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

int connect_idle(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in where{};
    where.sin_family = AF_INET;
    where.sin_port = htons(port);
    where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&where), sizeof where) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::size_t lines_containing(const std::string& text, const std::string& needle) {
    std::istringstream in(text);
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) {
        n += line.find(needle) != std::string::npos;
    }
    return n;
}

// Starts the proxy with a soft RLIMIT_NOFILE of `limit` (it inherits it), then restores ours.
std::unique_ptr<proxy_process> start_with_file_limit(const std::string& yaml, rlim_t limit) {
    rlimit saved{};
    EXPECT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
    rlimit lowered = saved;
    lowered.rlim_cur = limit;
    EXPECT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
    auto proxy = std::make_unique<proxy_process>(yaml);
    EXPECT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
    return proxy;
}

TEST(HostileDescriptorExhaustion, AcceptPausesLogsRarelyAndServesOnceASlotFrees) {
    constexpr rlim_t proxy_files = 128;
    constexpr int idle = 300;
    rlimit ours{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &ours), 0);
    if (ours.rlim_cur != RLIM_INFINITY && ours.rlim_cur < idle + 200) {
        GTEST_SKIP() << "RLIMIT_NOFILE " << ours.rlim_cur << " is too low for the test";
    }
    fake_upstream production;
    auto proxy = start_with_file_limit(
        "production: {url: \"" + production.url() + "\"}\nthreads: 1\n", proxy_files);
    ASSERT_TRUE(proxy->ready());
    EXPECT_GE(lines_containing(proxy->stderr_text(), "RLIMIT_NOFILE"), 1U)
        << "no start-up warning about max_connections: " << proxy->stderr_text();

    std::vector<int> sockets;
    for (int i = 0; i < idle; ++i) {
        const int fd = connect_idle(proxy->port());
        ASSERT_GE(fd, 0) << "connection " << i;
        sockets.push_back(fd);
    }
    // Three seconds at the limit: at most one line a second (and a little slack for the start).
    std::this_thread::sleep_for(3s);
    const std::size_t logged = lines_containing(proxy->stderr_text(), "accept");
    EXPECT_LE(logged, 5U) << "accept errors logged " << logged << " times in 3 s";

    // Free slots: the proxy closes the connections we close (those it held and those still
    // queued in the backlog), then takes a new client.
    constexpr std::size_t closed = 250;
    for (std::size_t i = 0; i < closed; ++i) {
        ::close(sockets[i]);
    }
    sockets.erase(sockets.begin(), sockets.begin() + closed);
    const auto response = http_get(proxy->port(), "/after", 5s);
    EXPECT_EQ(response.status, 200U) << response.error;
    // Read once descriptors are free again (the admin listener needs one too).
    EXPECT_GE(proxy->metric("shadowproxy_accept_errors_total{reason=\"process_file_limit\"}"), 1.0);
    for (const int fd : sockets) {
        ::close(fd);
    }
}

}  // namespace
}  // namespace shadowproxy::testing
