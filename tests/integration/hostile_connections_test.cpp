// Hostile clients holding connections: slowloris (headers one byte at a time) is cut at
// limits.header_timeout_ms while others are served; thousands of idle connections do not slow
// new requests down; the admin listener refuses anything but GET/HEAD.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iterator>
#include <ostream>
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
using clock = std::chrono::steady_clock;

// A plain blocking client socket to 127.0.0.1:port, -1 on failure; closed by the destructor.
class raw_socket {
public:
    explicit raw_socket(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in where{};
        where.sin_family = AF_INET;
        where.sin_port = htons(port);
        where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd_ >= 0 &&
            ::connect(fd_, reinterpret_cast<const sockaddr*>(&where), sizeof where) != 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~raw_socket() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    raw_socket(raw_socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    raw_socket(const raw_socket&) = delete;
    raw_socket& operator=(const raw_socket&) = delete;
    raw_socket& operator=(raw_socket&&) = delete;

    bool open() const { return fd_ >= 0; }
    bool send_byte(char c) const { return ::send(fd_, &c, 1, MSG_NOSIGNAL) == 1; }
    // The peer closed (or reset) the connection: a non-blocking read sees EOF or an error.
    bool peer_closed() const {
        char c = 0;
        const auto n = ::recv(fd_, &c, 1, MSG_DONTWAIT);
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    }

private:
    int fd_;
};

std::size_t open_descriptors(pid_t pid) {
    std::error_code ec;
    const std::filesystem::directory_iterator fds("/proc/" + std::to_string(pid) + "/fd", ec);
    return ec ? 0
              : static_cast<std::size_t>(std::distance(fds, std::filesystem::directory_iterator{}));
}

std::string production_only(const fake_upstream& production, const std::string& extra = {}) {
    return "production: {name: model-v1, url: \"" + production.url() + "\"}\n" + extra;
}

TEST(HostileSlowloris, ClosedAtHeaderTimeoutWhileOthersAreServed) {
    fake_upstream production;
    proxy_process proxy{production_only(production, "limits: {header_timeout_ms: 500}\n")};
    ASSERT_TRUE(proxy.ready());

    constexpr int slow_clients = 8;
    const std::string header =
        "GET /slow HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(200, 'a');
    std::vector<raw_socket> sockets;
    for (int i = 0; i < slow_clients; ++i) {
        sockets.emplace_back(proxy.port());
        ASSERT_TRUE(sockets.back().open());
    }
    std::vector<clock::duration> closed_after(slow_clients, clock::duration::zero());
    const auto started = clock::now();
    std::size_t sent = 0;
    int served = 0;
    // One byte every 150 ms to every slow client; a normal client in between each round.
    auto all_closed = [&] {
        return std::none_of(closed_after.begin(), closed_after.end(),
                            [](auto d) { return d == clock::duration::zero(); });
    };
    while (clock::now() - started < 3s && sent < header.size() && !(all_closed() && served >= 8)) {
        for (int i = 0; i < slow_clients; ++i) {
            if (closed_after[i] == clock::duration::zero() &&
                (sockets[i].peer_closed() || !sockets[i].send_byte(header[sent]))) {
                closed_after[i] = clock::now() - started;
            }
        }
        ++sent;
        const auto before = clock::now();
        if (http_get(proxy.port(), "/fast", 2s).status == 200 && clock::now() - before < 1s) {
            ++served;
        }
        std::this_thread::sleep_for(150ms);
    }
    for (int i = 0; i < slow_clients; ++i) {
        EXPECT_GT(closed_after[i], 400ms) << "slow client " << i << " closed too early";
        EXPECT_LT(closed_after[i], 1500ms) << "slow client " << i << " not closed at the timeout";
        EXPECT_NE(closed_after[i], clock::duration::zero()) << "slow client " << i << " alive";
    }
    EXPECT_GE(served, 8);
    for (const auto& request : production.requests()) {
        EXPECT_NE(request.target, "/slow");
    }
}

TEST(HostileIdleConnections, FiveThousandIdleDoNotDelayNewRequests) {
    constexpr int idle = 5000;
    rlimit files{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &files), 0);
    if (files.rlim_max != RLIM_INFINITY && files.rlim_max < 2 * idle + 1000) {
        GTEST_SKIP() << "RLIMIT_NOFILE hard limit " << files.rlim_max << " is too low";
    }
    files.rlim_cur = files.rlim_max == RLIM_INFINITY ? 2 * idle + 1000 : files.rlim_max;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &files), 0);  // the proxy inherits it

    fake_upstream production;
    proxy_process proxy{production_only(production, "limits: {max_connections: 6000}\n")};
    ASSERT_TRUE(proxy.ready());

    std::vector<raw_socket> sockets;
    sockets.reserve(idle);
    for (int i = 0; i < idle; ++i) {
        sockets.emplace_back(proxy.port());
        ASSERT_TRUE(sockets.back().open()) << "connection " << i;
    }
    // The proxy really holds them (accepted, not just queued in the kernel's backlog).
    EXPECT_TRUE(wait_until([&] { return open_descriptors(proxy.pid()) >= idle; }, 5s))
        << open_descriptors(proxy.pid());
    // Every idle connection accepted (none answered 503 and closed).
    for (int i = 0; i < idle; i += 97) {
        EXPECT_FALSE(sockets[static_cast<std::size_t>(i)].peer_closed()) << "connection " << i;
    }
    for (int i = 0; i < 20; ++i) {
        const auto before = clock::now();
        const auto response = http_get(proxy.port(), "/predict", 5s);
        EXPECT_EQ(response.status, 200U) << response.error;
        EXPECT_LT(clock::now() - before, 500ms) << "request " << i;
    }
    EXPECT_EQ(proxy.metric("shadowproxy_client_connections_rejected_total"), 0.0);
    EXPECT_FALSE(sockets.back().peer_closed());
}

struct admin_case {
    std::string method;
    std::string body;  // TRACE must not carry one; the others are tried with and without
};

void PrintTo(const admin_case& c, std::ostream* out) {
    *out << c.method << " " << c.body;
}

class HostileAdminMethods : public ::testing::TestWithParam<admin_case> {};

TEST_P(HostileAdminMethods, AnythingButGetOrHeadIs405) {
    const auto& c = GetParam();
    fake_upstream production;
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());
    for (const std::string path : {"/healthz", "/readyz", "/metrics", "/stats", "/"}) {
        const auto response = http_request(proxy.admin_port(), c.method, path, c.body);
        EXPECT_EQ(response.status, 405U) << c.method << " " << path << " " << response.error;
        EXPECT_EQ(response.header("Allow"), "GET, HEAD");
    }
    EXPECT_EQ(http_request(proxy.admin_port(), "HEAD", "/healthz").status, 200U);
    EXPECT_EQ(http_get(proxy.admin_port(), "/healthz").status, 200U);
    EXPECT_EQ(production.request_count(), 0U);
}

INSTANTIATE_TEST_SUITE_P(Methods, HostileAdminMethods,
                         ::testing::Values(admin_case{"POST", ""}, admin_case{"POST", "{}"},
                                           admin_case{"PUT", ""}, admin_case{"PUT", "x"},
                                           admin_case{"DELETE", ""}, admin_case{"PATCH", "{}"},
                                           admin_case{"OPTIONS", ""}, admin_case{"TRACE", ""}));

}  // namespace
}  // namespace shadowproxy::testing
