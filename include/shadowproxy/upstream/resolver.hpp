// Names of upstreams resolved off the data plane, and re-resolved every resolve_interval_ms so
// that new connections follow address changes (a Kubernetes Service recreated, the endpoints of
// a headless Service).
//
// The application owns one resolver; pools hold the resolved_name of their upstream by
// shared_ptr. Lookups (getaddrinfo, which may block for seconds) run only on the resolver's own
// thread; worker and mirror threads read a resolved_name without blocking: generation() is an
// atomic, endpoints() copies a shared_ptr under a short mutex. A name that does not resolve is
// not an error here: it has no endpoints and last_error() says why, and it is retried every
// retry interval (at most a second) until it resolves.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace shadowproxy::upstream {

using tcp = boost::asio::ip::tcp;
using endpoint_list = std::vector<tcp::endpoint>;

// One lookup: the addresses of host:port, or an empty list and the reason in `error`.
// Called on the resolver thread only; may block.
using lookup_function =
    std::function<endpoint_list(const std::string& host, std::uint16_t port, std::string& error)>;

// getaddrinfo through asio's synchronous resolver.
endpoint_list system_lookup(const std::string& host, std::uint16_t port, std::string& error);

class resolved_name {
public:
    resolved_name(std::string host, std::uint16_t port, std::chrono::milliseconds interval);

    const std::string& host() const { return host_; }
    std::uint16_t port() const { return port_; }
    std::chrono::milliseconds interval() const { return interval_; }

    // Any thread. Bumped whenever the address list changes (first resolution included).
    std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
    // Any thread. Empty while the name has never resolved; the last good answer otherwise
    // (a failed re-resolution keeps it, as a DNS cache would).
    std::shared_ptr<const endpoint_list> endpoints() const;
    bool resolved() const { return generation() > 0; }
    // Any thread: true once a lookup has finished, whether it found addresses or not.
    bool looked_up() const { return looked_up_.load(std::memory_order_acquire); }
    std::string last_error() const;

    // Resolver thread (or a test): applies one lookup's outcome.
    void update(endpoint_list answer, const std::string& error);

private:
    const std::string host_;
    const std::uint16_t port_;
    const std::chrono::milliseconds interval_;
    mutable std::mutex mutex_;
    std::shared_ptr<const endpoint_list> endpoints_;
    std::string error_;
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<bool> looked_up_{false};
};

class resolver {
public:
    using clock = std::chrono::steady_clock;

    explicit resolver(lookup_function lookup = system_lookup);
    ~resolver();
    resolver(const resolver&) = delete;
    resolver& operator=(const resolver&) = delete;

    // Control thread: the shared entry for host:port at this interval, created (and queued for
    // an immediate lookup) on first use. Entries no pool holds any longer are forgotten.
    std::shared_ptr<resolved_name> watch(const std::string& host, std::uint16_t port,
                                         std::chrono::milliseconds interval);

    // Control thread: waits until every name has been looked up at least once or `deadline`
    // passes (the thread must be running). Used at start and reload so that the first requests
    // find addresses; a name that failed counts as looked up.
    void wait_first_lookups(const std::vector<std::shared_ptr<resolved_name>>& names,
                            clock::time_point deadline);

    // Looks up every name due at `now`; returns when the next one is due. The thread calls it
    // in a loop; tests call it directly with their own clock.
    clock::time_point refresh_due(clock::time_point now);

    void start();
    void stop();

private:
    struct entry {
        std::weak_ptr<resolved_name> name;
        clock::time_point next;
    };

    void run();

    lookup_function lookup_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<entry> entries_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace shadowproxy::upstream
