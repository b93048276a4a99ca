// The upstream pool follows its name's addresses (production.resolve_interval_ms,
// shadows[].resolve_interval_ms): new connections go to the addresses of the latest answer,
// pooled connections to an address no longer returned are retired, and a name that never
// resolved fails the exchange as dns_failed without a connection. The resolver's answer is set
// by the test, as an injected resolver would.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "shadowproxy/upstream/pool.hpp"
#include "shadowproxy/upstream/resolver.hpp"
#include "support/fake_upstream.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

upstream::tcp::endpoint local(unsigned short port) {
    return {boost::asio::ip::make_address("127.0.0.1"), port};
}

class PoolAddresses : public ::testing::Test {
protected:
    std::shared_ptr<upstream::resolved_name> name =
        std::make_shared<upstream::resolved_name>("model", 8080, 30000ms);
    boost::asio::io_context context;
    std::shared_ptr<upstream::upstream_pool> pool = std::make_shared<upstream::upstream_pool>(
        context,
        upstream::upstream_settings{"model", "model:8080", "", name, 1000ms, 5000ms, 8, nullptr});

    // One exchange, run to completion on this thread (bounded by the pool's timeouts).
    upstream::upstream_result exchange() {
        auto request = std::make_shared<upstream::forwarded_request>();
        request->method = "POST";
        request->target = request->path = "/predict";
        request->body = "{}";
        request->headers = "Content-Length: 2\r\n";
        std::optional<upstream::upstream_result> result;
        pool->exchange(upstream::upstream_head(*request, "model:8080"), request, 1024,
                       [&result](upstream::upstream_result&& r) { result = std::move(r); });
        context.restart();
        context.run_for(10s);
        EXPECT_TRUE(result.has_value());
        return result ? std::move(*result) : upstream::upstream_result{};
    }
};

TEST_F(PoolAddresses, NewConnectionsFollowTheAnswerAndStaleOnesAreRetired) {
    fake_upstream first;
    fake_upstream second;
    name->update({local(first.port())}, "");
    EXPECT_FALSE(exchange().error);
    EXPECT_FALSE(exchange().error);  // reuses the pooled connection
    EXPECT_EQ(first.request_count(), 2U);
    EXPECT_EQ(first.connections(), 1U);

    // The Service moved: the pooled connection to the old address is not used again.
    name->update({local(second.port())}, "");
    EXPECT_FALSE(exchange().error);
    EXPECT_EQ(first.request_count(), 2U);
    EXPECT_EQ(second.request_count(), 1U);

    // Both addresses now: the pooled connection to the second one is kept and reused.
    name->update({local(first.port()), local(second.port())}, "");
    EXPECT_FALSE(exchange().error);
    EXPECT_EQ(second.request_count(), 2U);
    EXPECT_EQ(second.connections(), 1U);
}

TEST_F(PoolAddresses, ANameThatNeverResolvedFailsAsDnsFailed) {
    name->update({}, "Host not found");
    const auto result = exchange();
    ASSERT_TRUE(result.error);
    EXPECT_EQ(*result.error, metrics::upstream_error::dns_failed);
}

}  // namespace
}  // namespace shadowproxy::testing
