// Upstream name resolution (production.resolve_interval_ms, shadows[].resolve_interval_ms) with
// an injected lookup whose answer changes: re-resolution, failures keeping the last answer,
// retries of names that never resolved, shared entries, and the thread's first lookups.
#include "shadowproxy/upstream/resolver.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>
#include <mutex>

namespace shadowproxy::upstream {
namespace {

using std::chrono::milliseconds;

tcp::endpoint at(const char* address, std::uint16_t port = 8080) {
    return {boost::asio::ip::make_address(address), port};
}

// A DNS whose answers the test sets; counts lookups.
struct fake_dns {
    std::mutex mutex;
    endpoint_list answer;
    int lookups = 0;

    lookup_function function() {
        return [this](const std::string&, std::uint16_t, std::string& error) {
            std::lock_guard lock(mutex);
            ++lookups;
            if (answer.empty()) {
                error = "Host not found";
            }
            return answer;
        };
    }
    void set(endpoint_list next) {
        std::lock_guard lock(mutex);
        answer = std::move(next);
    }
};

TEST(Resolver, ReResolvesEveryIntervalAndFollowsAddressChanges) {
    fake_dns dns;
    dns.set({at("10.0.0.1")});
    resolver names{dns.function()};
    const auto name = names.watch("model", 8080, milliseconds(30000));
    EXPECT_FALSE(name->resolved());

    const auto t0 = resolver::clock::now();
    EXPECT_EQ(names.refresh_due(t0), t0 + milliseconds(30000));
    ASSERT_TRUE(name->resolved());
    EXPECT_EQ(*name->endpoints(), endpoint_list{at("10.0.0.1")});
    const auto first = name->generation();

    dns.set({at("10.0.0.3"), at("10.0.0.2")});
    names.refresh_due(t0 + milliseconds(29999));  // not due yet
    EXPECT_EQ(dns.lookups, 1);
    names.refresh_due(t0 + milliseconds(30000));
    EXPECT_EQ(dns.lookups, 2);
    EXPECT_GT(name->generation(), first);
    EXPECT_EQ(*name->endpoints(), (endpoint_list{at("10.0.0.2"), at("10.0.0.3")}));

    // The same addresses in another order are no change.
    const auto second = name->generation();
    dns.set({at("10.0.0.2"), at("10.0.0.3")});
    names.refresh_due(t0 + milliseconds(60000));
    EXPECT_EQ(name->generation(), second);
}

TEST(Resolver, AFailedReResolutionKeepsTheLastAnswer) {
    fake_dns dns;
    dns.set({at("10.0.0.1")});
    resolver names{dns.function()};
    const auto name = names.watch("model", 8080, milliseconds(5000));
    const auto t0 = resolver::clock::now();
    names.refresh_due(t0);
    dns.set({});
    names.refresh_due(t0 + milliseconds(5000));
    ASSERT_TRUE(name->resolved());
    EXPECT_EQ(*name->endpoints(), endpoint_list{at("10.0.0.1")});
    EXPECT_EQ(name->last_error(), "Host not found");
}

TEST(Resolver, ANameThatDoesNotResolveIsRetriedWithinASecond) {
    fake_dns dns;
    resolver names{dns.function()};
    const auto name = names.watch("model-v2.invalid", 8080, milliseconds(30000));
    const auto t0 = resolver::clock::now();
    EXPECT_EQ(names.refresh_due(t0), t0 + milliseconds(1000));
    EXPECT_TRUE(name->looked_up());
    EXPECT_FALSE(name->resolved());
    EXPECT_EQ(name->endpoints(), nullptr);
    EXPECT_EQ(name->last_error(), "Host not found");

    dns.set({at("10.0.0.9")});
    names.refresh_due(t0 + milliseconds(1000));
    EXPECT_TRUE(name->resolved());
    EXPECT_EQ(name->last_error(), "");
}

TEST(Resolver, SharesOneEntryPerNameAndForgetsUnusedOnes) {
    fake_dns dns;
    dns.set({at("10.0.0.1")});
    resolver names{dns.function()};
    auto a = names.watch("model", 8080, milliseconds(1000));
    const auto b = names.watch("model", 8080, milliseconds(1000));
    const auto c = names.watch("model", 8081, milliseconds(1000));
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    names.refresh_due(resolver::clock::now());
    EXPECT_EQ(dns.lookups, 2);
    a.reset();
    names.refresh_due(resolver::clock::now() + milliseconds(1000));
    EXPECT_EQ(dns.lookups, 4);  // b still holds "model:8080"
}

TEST(Resolver, TheThreadLooksUpNewNamesRightAway) {
    fake_dns dns;
    dns.set({at("127.0.0.1")});
    resolver names{dns.function()};
    names.start();
    const auto name = names.watch("localhost", 8080, milliseconds(30000));
    names.wait_first_lookups({name}, resolver::clock::now() + std::chrono::seconds(10));
    EXPECT_TRUE(name->resolved());
    names.stop();
}

TEST(Resolver, SystemLookupAnswersLiteralsAndReportsUnknownNames) {
    std::string error;
    EXPECT_EQ(system_lookup("127.0.0.1", 9, error), endpoint_list{at("127.0.0.1", 9)});
    EXPECT_TRUE(system_lookup("model-v2.invalid", 8080, error).empty());
    EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace shadowproxy::upstream
