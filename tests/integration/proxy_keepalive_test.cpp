// Production path, README (Configuration): keep-alive on both sides, pipelining, HTTP/1.0, chunked
// request bodies, Expect: 100-continue, HEAD, and several workers (threads: 2).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <string_view>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"

namespace shadowproxy::testing {
namespace {

namespace http = boost::beast::http;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::string production_only(const fake_upstream& production, const std::string& extra = {}) {
    return "production: {name: model-v1, url: \"" + production.url() + "\"}\n" + extra;
}

// Production answers with the target it was asked for, so order is visible to the client.
reply echo_target(const received_request& request) {
    reply r;
    r.headers = {{"Content-Type", "text/plain"}};
    r.body = request.target;
    return r;
}

// Splits raw bytes into the responses they hold (every one must carry its own framing).
std::vector<http_response> parse_responses(std::string_view raw) {
    std::vector<http_response> out;
    while (!raw.empty()) {
        http::response_parser<http::string_body> parser;
        parser.eager(true);
        boost::beast::error_code ec;
        const auto used = parser.put(boost::asio::buffer(raw.data(), raw.size()), ec);
        if (ec || !parser.is_done()) {
            break;
        }
        http_response response;
        response.status = parser.get().result_int();
        for (const auto& field : parser.get()) {
            response.headers.emplace_back(std::string{field.name_string()},
                                          std::string{field.value()});
        }
        response.body = parser.get().body();
        out.push_back(std::move(response));
        raw.remove_prefix(used);
    }
    return out;
}

// A plain blocking socket with a receive timeout, for clients that must pause between writes
// (a client waiting for 100 Continue before it sends the body).
class paced_client {
public:
    explicit paced_client(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        const timeval timeout{2, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
        sockaddr_in where{};
        where.sin_family = AF_INET;
        where.sin_port = htons(port);
        where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&where), sizeof(where)) == 0;
    }
    ~paced_client() { ::close(fd_); }
    paced_client(const paced_client&) = delete;
    paced_client& operator=(const paced_client&) = delete;

    bool connected() const { return connected_; }
    bool send(std::string_view bytes) {
        return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(bytes.size());
    }
    // Reads until `marker` has arrived, the peer closes, or 2 s pass without data.
    std::string read_until(std::string_view marker) {
        while (received_.find(marker) == std::string::npos) {
            char chunk[4096];
            const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
            if (n <= 0) {
                break;
            }
            received_.append(chunk, static_cast<std::size_t>(n));
        }
        return received_;
    }

private:
    int fd_;
    bool connected_ = false;
    std::string received_;
};

TEST(ProxyKeepAlive, HundredRequestsOnOneClientConnectionReuseUpstreamConnections) {
    fake_upstream production{echo_target};
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    http_connection client{proxy.port()};
    ASSERT_TRUE(client.connected());
    for (int i = 0; i < 100; ++i) {
        const auto target = "/predict/" + std::to_string(i);
        const auto response = client.send("POST", target, R"({"features":[1]})");
        ASSERT_EQ(response.status, 200U) << "request " << i << ": " << response.error;
        ASSERT_EQ(response.body, target);
        ASSERT_TRUE(client.connected()) << "closed after request " << i;
    }
    EXPECT_EQ(production.request_count(), 100U);
    EXPECT_LE(production.connections(), 3U);
}

TEST(ProxyKeepAlive, PipelinedRequestsAnsweredInOrder) {
    fake_upstream production{[](const received_request& request) {
        auto r = echo_target(request);
        // The first answer is the slowest: order must still hold.
        r.delay = request.target == "/one" ? milliseconds(100) : milliseconds(0);
        return r;
    }};
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    const auto raw = raw_exchange(proxy.port(),
                                  "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                                  "GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const auto responses = parse_responses(raw);
    ASSERT_EQ(responses.size(), 3U) << raw;
    EXPECT_EQ(responses[0].body, "/one");
    EXPECT_EQ(responses[1].body, "/two");
    EXPECT_EQ(responses[2].body, "/three");
    for (const auto& response : responses) {
        EXPECT_EQ(response.status, 200U);
    }
    EXPECT_EQ(responses[2].header("Connection"), "close");
    ASSERT_EQ(production.request_count(), 3U);
    EXPECT_EQ(production.requests()[1].body, "abc");
}

TEST(ProxyKeepAlive, Http10WithoutKeepAliveIsAnsweredThenClosed) {
    fake_upstream production{echo_target};
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    const auto started = steady_clock::now();
    const auto raw =
        raw_exchange(proxy.port(), "GET /old HTTP/1.0\r\nHost: x\r\n\r\n", milliseconds(5000));
    // raw_exchange returns early only because the proxy closed the connection.
    EXPECT_LT(steady_clock::now() - started, milliseconds(2000));
    const auto responses = parse_responses(raw);
    ASSERT_EQ(responses.size(), 1U) << raw;
    EXPECT_EQ(responses[0].status, 200U);
    EXPECT_EQ(responses[0].body, "/old");
    EXPECT_EQ(responses[0].header("Connection"), "close");
}

TEST(ProxyKeepAlive, Http10WithKeepAliveIsKept) {
    fake_upstream production{echo_target};
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    // Two requests on one connection: the second is only answered if the first kept it open.
    const auto raw = raw_exchange(proxy.port(),
                                  "GET /first HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"
                                  "GET /second HTTP/1.0\r\nHost: x\r\n\r\n");
    const auto responses = parse_responses(raw);
    ASSERT_EQ(responses.size(), 2U) << raw;
    EXPECT_EQ(responses[0].body, "/first");
    EXPECT_EQ(responses[0].header("Connection"), "keep-alive");
    EXPECT_EQ(responses[1].body, "/second");
    EXPECT_EQ(responses[1].header("Connection"), "close");
}

TEST(ProxyKeepAlive, ChunkedRequestBodyReachesProductionDechunked) {
    fake_upstream production;
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    const auto raw = raw_exchange(proxy.port(),
                                  "POST /predict HTTP/1.1\r\nHost: x\r\n"
                                  "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                  "5\r\nhello\r\n"
                                  "6;ext=1\r\n world\r\n"
                                  "0\r\n\r\n");
    EXPECT_EQ(first_status(raw), 200U) << raw;
    ASSERT_EQ(production.request_count(), 1U);
    const auto seen = production.requests().front();
    EXPECT_EQ(seen.body, "hello world");
    EXPECT_EQ(seen.header("Content-Length"), "11");
    EXPECT_FALSE(seen.has_header("Transfer-Encoding"));
}

TEST(ProxyKeepAlive, ExpectContinueClientWaitsForInterimThenGetsAnswer) {
    fake_upstream production;
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    paced_client client{proxy.port()};
    ASSERT_TRUE(client.connected());
    const std::string body = R"({"features":[1,2,3]})";
    ASSERT_TRUE(
        client.send("POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: " +
                    std::to_string(body.size()) + "\r\nExpect: 100-continue\r\n\r\n"));
    const auto interim = client.read_until("\r\n\r\n");
    ASSERT_EQ(interim.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0), 0U) << interim;
    EXPECT_EQ(production.request_count(), 0U);
    ASSERT_TRUE(client.send(body));
    const auto all = client.read_until(R"({"prediction":1})");
    const auto final_answer = all.substr(std::string_view{"HTTP/1.1 100 Continue\r\n\r\n"}.size());
    const auto responses = parse_responses(final_answer);
    ASSERT_EQ(responses.size(), 1U) << all;
    EXPECT_EQ(responses[0].status, 200U);
    ASSERT_EQ(production.request_count(), 1U);
    const auto seen = production.requests().front();
    EXPECT_EQ(seen.body, body);
    EXPECT_FALSE(seen.has_header("Expect"));
}

TEST(ProxyKeepAlive, HeadKeepsResourceLengthWithoutBody) {
    fake_upstream production{[](const received_request&) {
        reply r;
        r.body = R"({"prediction":12345})";
        return r;
    }};
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    http_connection client{proxy.port()};
    const auto head = client.send("HEAD", "/resource");
    ASSERT_EQ(head.status, 200U) << head.error;
    EXPECT_EQ(head.header("Content-Length"), "20");
    EXPECT_EQ(head.body, "");
    // The connection is still framed right: the next answer is the next request's.
    const auto get = client.send("GET", "/resource");
    ASSERT_EQ(get.status, 200U) << get.error;
    EXPECT_EQ(get.body, R"({"prediction":12345})");
    ASSERT_EQ(production.request_count(), 2U);
    EXPECT_EQ(production.requests()[0].method, "HEAD");
}

TEST(ProxyWorkers, TwoWorkersBothServe) {
    fake_upstream production;
    proxy_process proxy{"threads: 2\n" + production_only(production)};
    ASSERT_TRUE(proxy.ready());

    // Sequential one-request connections: each worker reuses its own pooled production
    // connection, so the number of production connections is the number of workers that served.
    for (int i = 0; i < 60; ++i) {
        const auto response = http_get(proxy.port(), "/w/" + std::to_string(i));
        ASSERT_EQ(response.status, 200U) << "connection " << i << ": " << response.error;
    }
    EXPECT_EQ(production.request_count(), 60U);
    EXPECT_EQ(production.connections(), 2U);
}

}  // namespace
}  // namespace shadowproxy::testing
