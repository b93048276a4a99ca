// One worker: an io_context on its own thread with its own acceptor (SO_REUSEPORT), its own
// production connection pool and the client sessions it accepted. Shared-nothing, like nginx
// and Envoy workers: everything here is touched only on the worker's thread, except the methods
// marked otherwise, which post to it.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <thread>
#include <unordered_set>

#include "shadowproxy/config/config.hpp"
#include "shadowproxy/mirror/mirror_service.hpp"
#include "shadowproxy/proxy/client_session.hpp"
#include "shadowproxy/upstream/pool.hpp"

namespace shadowproxy::proxy {

// What a session reads on its worker: replaced whole on reload.
struct worker_snapshot {
    std::shared_ptr<const config::config> config;
    std::shared_ptr<upstream::upstream_pool> production;
    std::shared_ptr<const mirror::shadow_set> shadows;
    metrics::upstream_family* production_metrics = nullptr;
    // listen.tls's context, or null for plain HTTP. A reload swaps it: connections accepted
    // after it use the new certificate, open ones keep theirs.
    std::shared_ptr<asio::ssl::context> listener_tls;
};

// Logs a warning when RLIMIT_NOFILE leaves no room for limits.max_connections client
// connections plus the upstream connections and the proxy's own files. Start-up only.
void warn_if_descriptors_short(const config::config& config);

// State shared by all workers; each field is safe for concurrent use.
struct shared_state {
    metrics::registry& metrics;
    mirror::mirror_service& mirror;
    std::atomic<std::size_t> connections{0};
    metrics::upstream_family& local_errors;  // answers the proxy makes itself (400, 413, …)
    // Failed accepts are logged at most once a second over all workers, the rest counted.
    std::atomic<std::int64_t> accept_logged_at_ms{0};
    std::atomic<std::uint64_t> accept_errors_unlogged{0};
};

class worker {
public:
    worker(shared_state& shared, std::shared_ptr<const config::config> config,
           std::shared_ptr<const mirror::shadow_set> shadows,
           upstream::upstream_settings production,
           std::shared_ptr<asio::ssl::context> listener_tls);
    ~worker();

    // Binds the listener (SO_REUSEPORT, shared with this process's other workers) without
    // listening yet, so that no connection reaches it before the port is known to be this
    // process's (proxy::port_owner). Returns the bound endpoint: the kernel's pick when the
    // port is 0. Throws std::runtime_error naming the address when it cannot.
    tcp::endpoint bind(const tcp::endpoint& where);
    // Starts listening on the bound port; throws like bind.
    void listen();
    void start();

    // Any thread: the new snapshot applies to requests that start after it lands.
    void reload(std::shared_ptr<const config::config> config,
                std::shared_ptr<const mirror::shadow_set> shadows,
                upstream::upstream_settings production,
                std::shared_ptr<asio::ssl::context> listener_tls);
    // Any thread: stop accepting, close idle connections, let in-flight requests finish.
    void drain();
    // Any thread: close every connection now (the drain deadline passed).
    void abort();
    // Any thread: true once the worker's io_context ran out of work.
    bool finished() const { return finished_.load(); }
    void join();

    // Worker thread only, used by sessions.
    asio::io_context& context() { return context_; }
    const worker_snapshot& snapshot() const { return snapshot_; }
    shared_state& shared() { return shared_; }
    bool draining() const { return draining_; }
    void add(connection* session) { sessions_.insert(session); }
    void remove(connection* session) { sessions_.erase(session); }

private:
    void do_accept();
    void on_accept(beast::error_code ec, client_stream::socket_type socket);
    void on_accept_error(const beast::error_code& ec);
    void apply(std::shared_ptr<const config::config> config,
               std::shared_ptr<const mirror::shadow_set> shadows,
               upstream::upstream_settings production,
               std::shared_ptr<asio::ssl::context> listener_tls);

    shared_state& shared_;
    // One thread runs it and every socket and timer on it is used from that thread only, so the
    // reactor's per-descriptor locks are off; posts from other threads stay locked.
    asio::io_context context_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    tcp::acceptor acceptor_{context_};
    asio::steady_timer accept_pause_{context_};  // out of descriptors: accepting waits
    worker_snapshot snapshot_;
    std::unordered_set<connection*> sessions_;  // HTTP/1.1 and HTTP/2 sessions
    bool draining_ = false;
    std::atomic<bool> finished_{false};
    std::thread thread_;
};

}  // namespace shadowproxy::proxy
