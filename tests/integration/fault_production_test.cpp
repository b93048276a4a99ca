// Faults on the production side: an upstream that resets or closes mid-response, or answers
// with a bad Content-Length or a header broken by CR/LF, gets the client a 502 from the proxy
// and nothing of the malformed answer.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>
#include <ostream>
#include <string>
#include <thread>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Accepts connections one by one, reads a request head, writes `partial`, then resets the
// connection (SO_LINGER 0): a production that dies in the middle of its answer.
class resetting_upstream {
public:
    explicit resetting_upstream(std::string partial)
        : partial_(std::move(partial)),
          acceptor_(context_, {asio::ip::make_address("127.0.0.1"), 0}) {
        thread_ = std::thread([this] { serve(); });
    }
    ~resetting_upstream() {
        stopping_ = true;
        beast_close();
        thread_.join();
    }
    resetting_upstream(const resetting_upstream&) = delete;
    resetting_upstream& operator=(const resetting_upstream&) = delete;

    std::string url() const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
    }

private:
    void beast_close() {
        boost::system::error_code ignored;
        // Wake the blocking accept with a connection of our own.
        tcp::socket poke{context_};
        poke.connect(acceptor_.local_endpoint(), ignored);
    }

    void serve() {
        while (!stopping_) {
            boost::system::error_code ec;
            tcp::socket socket{context_};
            acceptor_.accept(socket, ec);
            if (ec || stopping_) {
                return;
            }
            asio::streambuf head;
            asio::read_until(socket, head, "\r\n\r\n", ec);
            if (ec) {
                continue;
            }
            asio::write(socket, asio::buffer(partial_), ec);
            std::this_thread::sleep_for(20ms);
            socket.set_option(asio::socket_base::linger(true, 0), ec);
            socket.close(ec);
        }
    }

    std::string partial_;
    asio::io_context context_;
    tcp::acceptor acceptor_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

std::string production_at(const std::string& url) {
    return "production: {name: model-v1, url: \"" + url + "\", timeout_ms: 2000}\n";
}

// The answer is relayed as it arrives: its head has gone out when production resets, so the
// client connection is closed short of the Content-Length (never a 502 after a 200 head).
TEST(FaultProduction, ResetMidResponseClosesTheClientConnection) {
    resetting_upstream production{
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        "{\"prediction\":"};
    proxy_process proxy{production_at(production.url())};
    ASSERT_TRUE(proxy.ready());
    const std::string answer = raw_exchange(
        proxy.port(), "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", 5s);
    EXPECT_EQ(first_status(answer), 200U) << answer;
    const auto body = answer.find("\r\n\r\n");
    ASSERT_NE(body, std::string::npos) << answer;
    EXPECT_EQ(answer.substr(body + 4), "{\"prediction\":") << answer;
    EXPECT_EQ(answer.find("502"), std::string::npos) << answer;
    // The proxy keeps serving.
    EXPECT_EQ(
        first_status(raw_exchange(proxy.port(), "GET /again HTTP/1.1\r\nHost: x\r\n\r\n", 5s)),
        200U);
}

struct bad_answer {
    std::string name;
    std::string raw;
    std::string must_not_leak;
};

void PrintTo(const bad_answer& c, std::ostream* out) {
    *out << c.name;
}

class FaultProductionBadAnswer : public ::testing::TestWithParam<bad_answer> {};

TEST_P(FaultProductionBadAnswer, Is502AndNothingMalformedReachesTheClient) {
    const auto& c = GetParam();
    fake_upstream production{[&](const received_request&) {
        reply r;
        r.action = reply::kind::raw;
        r.raw_bytes = c.raw;
        return r;
    }};
    proxy_process proxy{production_at(production.url())};
    ASSERT_TRUE(proxy.ready());
    const std::string answer = raw_exchange(
        proxy.port(),
        "POST /predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
        5s);
    EXPECT_EQ(first_status(answer), 502U) << answer;
    EXPECT_EQ(answer.find(c.must_not_leak), std::string::npos) << answer;
    EXPECT_EQ(answer.find("HTTP/1.1", 1), std::string::npos) << answer;
    EXPECT_EQ(http_get(proxy.port(), "/again").status, 502U);  // still serving
}

INSTANTIATE_TEST_SUITE_P(
    Answers, FaultProductionBadAnswer,
    ::testing::Values(
        bad_answer{"NonNumericContentLength",
                   "HTTP/1.1 200 OK\r\nX-Leak: yes\r\nContent-Length: abc\r\n\r\n{}", "X-Leak"},
        bad_answer{"NegativeContentLength",
                   "HTTP/1.1 200 OK\r\nX-Leak: yes\r\nContent-Length: -2\r\n\r\n{}", "X-Leak"},
        bad_answer{"ConflictingContentLength",
                   "HTTP/1.1 200 OK\r\nX-Leak: yes\r\nContent-Length: 2\r\nContent-Length: 3\r\n"
                   "\r\n{}x",
                   "X-Leak"},
        bad_answer{"BareCarriageReturnInHeader",
                   "HTTP/1.1 200 OK\r\nX-Evil: a\rSet-Cookie: pwn=1\r\nContent-Length: 2\r\n\r\n{}",
                   "pwn=1"},
        bad_answer{"BareLineFeedInHeader",
                   "HTTP/1.1 200 OK\r\nX-Evil: a\nSet-Cookie: pwn=1\r\nContent-Length: 2\r\n\r\n{}",
                   "pwn=1"},
        bad_answer{"NotHttp", "garbage garbage\r\n\r\n", "garbage"},
        bad_answer{"StatusBelow100", "HTTP/1.1 001 X-Leak\r\nContent-Length: 2\r\n\r\n{}",
                   "X-Leak"},
        bad_answer{"SwitchingProtocols",
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: evil\r\nX-Leak: y\r\n\r\n",
                   "X-Leak"}),
    [](const auto& test_case) { return test_case.param.name; });

// RFC 9112 §5.2 lets a proxy unfold an obs-fold in a response into spaces: what reaches the
// client is one header line, never a second header the upstream smuggled in.
TEST(FaultProduction, ObsFoldInResponseHeaderIsUnfolded) {
    fake_upstream production{[](const received_request&) {
        reply r;
        r.action = reply::kind::raw;
        r.raw_bytes =
            "HTTP/1.1 200 OK\r\nX-Evil: a\r\n Set-Cookie: pwn=1\r\nContent-Length: 2\r\n\r\n{}";
        return r;
    }};
    proxy_process proxy{production_at(production.url())};
    ASSERT_TRUE(proxy.ready());
    const std::string answer =
        raw_exchange(proxy.port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5s);
    const unsigned status = first_status(answer);
    EXPECT_TRUE(status == 200U || status == 502U) << answer;
    EXPECT_EQ(answer.find("\r\nSet-Cookie"), std::string::npos) << answer;
    EXPECT_EQ(answer.find("\r\n "), std::string::npos) << answer;
}

// Interim answers before the final one are skipped (RFC 9110 §15.2), not passed on as final.
TEST(FaultProduction, InterimAnswersAreSkipped) {
    fake_upstream production{[](const received_request&) {
        reply r;
        r.action = reply::kind::raw;
        r.raw_bytes =
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
            "HTTP/1.1 200 OK\r\nContent-Length: 16\r\nX-Final: yes\r\n\r\n{\"prediction\":1}";
        return r;
    }};
    proxy_process proxy{production_at(production.url())};
    ASSERT_TRUE(proxy.ready());
    const auto response = http_request(proxy.port(), "POST", "/predict", "{}");
    EXPECT_EQ(response.status, 200U) << response.error;
    EXPECT_EQ(response.header("X-Final"), "yes");
    EXPECT_EQ(response.body, R"({"prediction":1})");
}

}  // namespace
}  // namespace shadowproxy::testing
