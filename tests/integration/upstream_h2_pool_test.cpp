// The HTTP/2 exchange at the pool's level, the API the HTTP/2 listener uses: a per-exchange
// timeout cap (grpc-timeout), the trailers, gRPC's status from trailers or a trailers-only
// answer, and a stalled body read ending as timeout.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>

#include "shadowproxy/upstream/exchange.hpp"
#include "shadowproxy/upstream/pool.hpp"
#include "support/fake_h2_upstream.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

h2_reply grpc_by_path(const received_request& request) {
    h2_reply reply;
    reply.headers = {{"content-type", "application/grpc"}};
    if (request.target == "/slow") {
        reply.delay = 500ms;
    } else if (request.target == "/trailers-only") {
        reply.headers.emplace_back("grpc-status", "5");
        reply.headers.emplace_back("grpc-message", "not found");
        reply.body.clear();
    } else {
        reply.body = "answer";
        reply.trailers = {{"grpc-status", "0"}, {"grpc-message", ""}};
    }
    return reply;
}

class PoolH2 : public ::testing::Test {
protected:
    PoolH2() { name->update({{boost::asio::ip::make_address("127.0.0.1"), upstream.port()}}, ""); }

    // Runs one exchange to its end; `timeout` caps the pool's 5 s.
    std::shared_ptr<upstream::exchange> run(const std::string& path,
                                            std::optional<std::chrono::milliseconds> timeout,
                                            std::optional<upstream::upstream_error>& error,
                                            std::string& body) {
        auto request = std::make_shared<upstream::forwarded_request>();
        request->method = "POST";
        request->target = request->path = path;
        request->body = "question";
        request->headers = "Content-Type: application/grpc\r\nTE: trailers\r\n";
        auto exchange = pool->open(upstream::upstream_head(*request, "model"), request, timeout);
        bool finished = false;
        std::function<void()> pump = [&] {
            while (true) {
                const auto piece = exchange->next_piece();
                if (piece.what == upstream::body_piece::kind::data) {
                    body.append(piece.data);
                    continue;
                }
                if (piece.what == upstream::body_piece::kind::need_read) {
                    return exchange->read_more([&](std::optional<upstream::upstream_error> e) {
                        if (e) {
                            error = e;
                            finished = true;
                            return;
                        }
                        pump();
                    });
                }
                error = exchange->error();
                finished = true;
                return;
            }
        };
        exchange->start([&](std::optional<upstream::upstream_error> e) {
            if (e) {
                error = e;
                finished = true;
                return;
            }
            pump();
        });
        // The connection keeps a read pending, so the context never runs out of work.
        context.restart();
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!finished && std::chrono::steady_clock::now() < deadline) {
            context.run_one_for(100ms);
        }
        EXPECT_TRUE(finished);
        return exchange;
    }

    fake_h2_upstream upstream{grpc_by_path};
    std::shared_ptr<upstream::resolved_name> name =
        std::make_shared<upstream::resolved_name>("model", 0, 30000ms);
    boost::asio::io_context context;
    std::shared_ptr<upstream::upstream_pool> pool = std::make_shared<upstream::upstream_pool>(
        context,
        upstream::upstream_settings{"model", "model", "", name, 1000ms, 5000ms, 8, nullptr, true});
};

TEST_F(PoolH2, TrailersCarryTheGrpcStatus) {
    std::optional<upstream::upstream_error> error;
    std::string body;
    const auto exchange = run("/svc/Method", std::nullopt, error, body);
    EXPECT_FALSE(error);
    EXPECT_EQ(body, "answer");
    EXPECT_EQ(exchange->head().status, 200U);
    EXPECT_EQ(exchange->trailers()["grpc-status"], "0");
    const auto grpc = upstream::grpc_of(*exchange);
    EXPECT_TRUE(grpc.is_grpc);
    EXPECT_EQ(grpc.status, 0);
    const auto request = upstream.requests().front();
    EXPECT_EQ(request.body, "question");
    bool te_trailers = false;
    for (const auto& [field, value] : request.headers) {
        te_trailers = te_trailers || (field == "te" && value == "trailers");
    }
    EXPECT_TRUE(te_trailers);
}

TEST_F(PoolH2, ATrailersOnlyAnswerHasItsStatusInTheHead) {
    std::optional<upstream::upstream_error> error;
    std::string body;
    const auto exchange = run("/trailers-only", std::nullopt, error, body);
    EXPECT_FALSE(error);
    EXPECT_FALSE(exchange->has_body());
    const auto grpc = upstream::grpc_of(*exchange);
    EXPECT_EQ(grpc.status, 5);
    EXPECT_EQ(grpc.message, "not found");
}

TEST_F(PoolH2, TheTimeoutCapEndsTheExchange) {
    std::optional<upstream::upstream_error> error;
    std::string body;
    const auto started = std::chrono::steady_clock::now();
    run("/slow", 100ms, error, body);
    EXPECT_EQ(error, upstream::upstream_error::timeout);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);  // the pool's own is 5 s
    // Without the cap the same call is answered (the pool's timeout is 5 s).
    error.reset();
    run("/slow", std::nullopt, error, body);
    EXPECT_FALSE(error);
}

}  // namespace
}  // namespace shadowproxy::testing
