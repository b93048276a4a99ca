// Hostile clients and the RFC 9112 request rules, decided like nginx: absolute-form targets
// become origin-form (the client's authority goes to X-Forwarded-Host), other target forms are
// 400, dot-segments are normalised and never climb above the root, Host is required and unique
// on HTTP/1.1, CONNECT and TRACE are 405, unknown methods 400 unless limits.allowed_methods
// lists them, HTTP/1.0 never gets a 100 Continue, leading empty lines are ignored.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <ostream>
#include <string>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

std::string production_only(const fake_upstream& production, const std::string& extra = {}) {
    return "production: {name: model-v1, url: \"" + production.url() + "\"}\n" + extra;
}

struct rejected_case {
    std::string name;
    std::string request;  // whole request, sent as is
    unsigned status;
};

void PrintTo(const rejected_case& c, std::ostream* out) {
    *out << c.name;
}

class HostileRequestLine : public ::testing::TestWithParam<rejected_case> {};

TEST_P(HostileRequestLine, RejectedAndNothingForwarded) {
    const auto& c = GetParam();
    fake_upstream production;
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());
    const std::string answer = raw_exchange(proxy.port(), c.request, 5s);
    EXPECT_EQ(first_status(answer), c.status) << answer;
    if (c.status == 405) {
        EXPECT_NE(answer.find("\r\nAllow: GET, HEAD, POST, PUT, DELETE, OPTIONS\r\n"),
                  std::string::npos)
            << answer;
    }
    EXPECT_EQ(http_get(proxy.port(), "/after").status, 200U);
    ASSERT_TRUE(wait_until([&] { return production.request_count() >= 1; }, 2s));
    ASSERT_EQ(production.request_count(), 1U) << production.requests().front().target;
    EXPECT_EQ(production.requests().front().target, "/after");
}

std::string get(const std::string& target, const std::string& headers = "Host: x\r\n") {
    return "GET " + target + " HTTP/1.1\r\n" + headers + "\r\n";
}

INSTANTIATE_TEST_SUITE_P(
    Rules, HostileRequestLine,
    ::testing::Values(
        rejected_case{"AbsoluteWithUserinfo", get("http://user:pw@evil.example/predict"), 400},
        rejected_case{"AbsoluteWithEmptyUserinfo", get("http://@evil.example/predict"), 400},
        rejected_case{"AbsoluteOtherScheme", get("ftp://evil.example/predict"), 400},
        rejected_case{"AbsoluteWithoutHost", get("http:///predict"), 400},
        rejected_case{"RelativePath", get("predict"), 400},
        rejected_case{"AtAuthority", get("@evil.example/x"), 400},
        rejected_case{"AuthorityForm", get("evil.example:80"), 400},
        rejected_case{"AsteriskForGet", get("*"), 400},
        rejected_case{"DotDotAboveRoot", get("/../etc/passwd"), 400},
        rejected_case{"EncodedDotDotAboveRoot", get("/a/%2e%2E/%2E./x"), 400},
        rejected_case{"MissingHost", get("/predict", ""), 400},
        rejected_case{"TwoHosts", get("/predict", "Host: a\r\nHost: b\r\n"), 400},
        rejected_case{"TwoEqualHosts", get("/predict", "Host: a\r\nHost: a\r\n"), 400},
        rejected_case{"HostWithSpace", get("/predict", "Host: a b\r\n"), 400},
        rejected_case{"HostWithUserinfo", get("/predict", "Host: u@a\r\n"), 400},
        rejected_case{"HostWithPath", get("/predict", "Host: a/b\r\n"), 400},
        rejected_case{"HostBadPort", get("/predict", "Host: a:8x\r\n"), 400},
        rejected_case{"HostEmpty", get("/predict", "Host: \r\n"), 400},
        rejected_case{"TwoHostsHttp10", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        rejected_case{"Connect", "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example\r\n\r\n",
                      405},
        rejected_case{"Trace", "TRACE /predict HTTP/1.1\r\nHost: x\r\nCookie: a=b\r\n\r\n", 405},
        rejected_case{"LowerCaseMethod", "get /predict HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        rejected_case{"UnknownMethod", "PURGE /predict HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        rejected_case{"PatchNotInDefaults", "PATCH /predict HTTP/1.1\r\nHost: x\r\n\r\n", 400}),
    [](const auto& test_case) { return test_case.param.name; });

TEST(HostileTargets, AbsoluteFormBecomesOriginFormWithForwardedHost) {
    fake_upstream production;
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());
    const std::string answer = raw_exchange(
        proxy.port(),
        "GET HTTP://Evil.Example:8080/predict?x=1 HTTP/1.1\r\nHost: other\r\n"
        "X-Forwarded-Host: spoofed\r\nConnection: close\r\n\r\n"
        "GET http://evil.example HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(first_status(answer), 200U) << answer;
    ASSERT_EQ(production.request_count(), 1U);
    const auto seen = production.requests().front();
    EXPECT_EQ(seen.target, "/predict?x=1");
    EXPECT_EQ(seen.header("Host"), "127.0.0.1:" + std::to_string(production.port()));
    EXPECT_EQ(seen.header("X-Forwarded-Host"), "Evil.Example:8080");
    EXPECT_EQ(first_status(raw_exchange(proxy.port(),
                                        "GET http://evil.example HTTP/1.1\r\nHost: other\r\n"
                                        "Connection: close\r\n\r\n")),
              200U);
    ASSERT_TRUE(wait_until([&] { return production.request_count() == 2; }, 2s));
    EXPECT_EQ(production.requests().back().target, "/");
}

TEST(HostileTargets, OriginFormKeepsTheClientsHostAsForwardedHost) {
    fake_upstream production;
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());
    const std::string answer =
        raw_exchange(proxy.port(),
                     "OPTIONS * HTTP/1.1\r\nHost: api.example\r\nX-Forwarded-Host: spoofed\r\n"
                     "Connection: close\r\n\r\n");
    EXPECT_EQ(first_status(answer), 200U) << answer;
    ASSERT_EQ(production.request_count(), 1U);
    EXPECT_EQ(production.requests().front().target, "*");
    EXPECT_EQ(production.requests().front().header("X-Forwarded-Host"), "api.example");
}

// Dot-segments are removed (plain or percent-encoded, like nginx) before the shadow's `match`
// sees the path and before the target goes upstream, so they cannot escape a path prefix.
TEST(HostileTargets, DotSegmentsNormalisedBeforeMatchAndForwarding) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{production_only(production, "shadows:\n  - name: s\n    url: \"" +
                                                        shadow.url() +
                                                        "\"\n    match: {path_prefixes: "
                                                        "[/public/]}\n")};
    ASSERT_TRUE(proxy.ready());
    for (const std::string target :
         {"/public/../private/x", "/public/%2e%2E/private/x", "/public/./.%2e/private/x"}) {
        const std::string answer = raw_exchange(
            proxy.port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        EXPECT_EQ(first_status(answer), 200U) << target << "\n" << answer;
    }
    EXPECT_EQ(http_get(proxy.port(), "/public/./a/b/../c?q=/../x").status, 200U);
    ASSERT_TRUE(wait_until([&] { return shadow.request_count() >= 1; }, 5s, "one shadow copy"));
    const auto seen = production.requests();
    ASSERT_EQ(seen.size(), 4U);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(seen[i].target, "/private/x");
    }
    EXPECT_EQ(seen[3].target, "/public/a/c?q=/../x");
    EXPECT_FALSE(wait_until([&] { return shadow.request_count() > 1; }, 300ms));
    ASSERT_EQ(shadow.request_count(), 1U);
    EXPECT_EQ(shadow.requests().front().target, "/public/a/c?q=/../x");
}

TEST(HostileMethods, AllowedMethodsConfigurable) {
    fake_upstream production;
    proxy_process proxy{production_only(production, "limits: {allowed_methods: [GET, PURGE]}\n")};
    ASSERT_TRUE(proxy.ready());
    EXPECT_EQ(first_status(raw_exchange(proxy.port(),
                                        "PURGE /x HTTP/1.1\r\nHost: x\r\n"
                                        "Connection: close\r\n\r\n")),
              200U);
    const std::string post = raw_exchange(proxy.port(),
                                          "POST /x HTTP/1.1\r\nHost: x\r\n"
                                          "Content-Length: 0\r\n\r\n");
    EXPECT_EQ(first_status(post), 400U) << post;
    EXPECT_EQ(first_status(raw_exchange(proxy.port(), "TRACE /x HTTP/1.1\r\nHost: x\r\n\r\n")),
              405U);
    ASSERT_EQ(production.request_count(), 1U);
    EXPECT_EQ(production.requests().front().method, "PURGE");
}

TEST(HostileRequestFraming, LeadingEmptyLinesAreIgnored) {
    fake_upstream production;
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());
    const std::string answer =
        raw_exchange(proxy.port(),
                     "\r\n\r\n\r\nGET /first HTTP/1.1\r\nHost: x\r\n\r\n"
                     "\r\nGET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(first_status(answer), 200U) << answer;
    EXPECT_NE(answer.find("HTTP/1.1", 1), std::string::npos) << answer;
    ASSERT_EQ(production.request_count(), 2U);
    EXPECT_EQ(production.requests()[0].target, "/first");
    EXPECT_EQ(production.requests()[1].target, "/second");
}

// A blocking socket with a bounded read, for exchanges in several steps.
class stepwise_client {
public:
    explicit stepwise_client(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in where{};
        where.sin_family = AF_INET;
        where.sin_port = htons(port);
        where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&where), sizeof where) == 0;
    }
    ~stepwise_client() { ::close(fd_); }
    stepwise_client(const stepwise_client&) = delete;
    stepwise_client& operator=(const stepwise_client&) = delete;

    bool connected() const { return connected_; }
    bool send(const std::string& bytes) const {
        return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(bytes.size());
    }
    // What arrives within `timeout` (stops early at EOF).
    std::string read_for(std::chrono::milliseconds timeout) const {
        std::string out;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd_, POLLIN, 0};
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (::poll(&p, 1, static_cast<int>(left.count()) + 1) <= 0) {
                break;
            }
            char buffer[4096];
            const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) {
                break;
            }
            out.append(buffer, static_cast<std::size_t>(n));
        }
        return out;
    }

private:
    int fd_;
    bool connected_ = false;
};

TEST(HostileRequestFraming, Http10ExpectContinueGetsNo100) {
    fake_upstream production;
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());
    stepwise_client client{proxy.port()};
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.send(
        "POST /predict HTTP/1.0\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"));
    const std::string early = client.read_for(500ms);
    EXPECT_EQ(early.find("100 Continue"), std::string::npos) << early;
    ASSERT_TRUE(client.send("{}"));
    const std::string answer = early + client.read_for(3s);
    EXPECT_EQ(first_status(answer), 200U) << answer;
    EXPECT_EQ(answer.find("100 Continue"), std::string::npos) << answer;

    stepwise_client http11{proxy.port()};
    ASSERT_TRUE(http11.send(
        "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"));
    EXPECT_EQ(first_status(http11.read_for(1s)), 100U) << "HTTP/1.1 still gets its 100";
}

}  // namespace
}  // namespace shadowproxy::testing
