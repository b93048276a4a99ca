#include "shadowproxy/proxy/worker.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <boost/asio/post.hpp>

#include "shadowproxy/platform/thread_role.hpp"
#include "shadowproxy/proxy/client_session.hpp"
#include "shadowproxy/proxy/port_owner.hpp"

namespace shadowproxy::proxy {

namespace {

// How long accepting pauses when the process or the system is out of descriptors or memory:
// retrying at once only spins (the connection stays queued), and a closing session frees one.
constexpr std::chrono::milliseconds accept_pause{100};
constexpr std::int64_t accept_log_interval_ms = 1000;

metrics::accept_error classify_accept_error(const beast::error_code& ec) {
    if (ec.category() != beast::system_category()) {
        return metrics::accept_error::other;
    }
    switch (ec.value()) {
        case EMFILE:
            return metrics::accept_error::process_file_limit;
        case ENFILE:
            return metrics::accept_error::system_file_limit;
        case ENOBUFS:
        case ENOMEM:
            return metrics::accept_error::out_of_memory;
        default:
            return metrics::accept_error::other;
    }
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

void warn_if_descriptors_short(const config::config& config) {
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY) {
        return;
    }
    // Each client connection takes a descriptor; so does each upstream connection, kept idle
    // per worker or in flight to a shadow; the proxy's own files, listeners and pollers ~64.
    std::size_t needed = config.limits.max_connections + 64 +
                         config.worker_count() * config.production.max_idle_connections;
    for (const auto& shadow : config.shadows) {
        needed += shadow.max_in_flight;
    }
    if (files.rlim_cur < needed) {
        spdlog::warn(
            "limits.max_connections is {} but RLIMIT_NOFILE is {}: about {} descriptors are "
            "needed with room for upstream connections; raise the limit (ulimit -n, systemd "
            "LimitNOFILE=) or lower limits.max_connections",
            config.limits.max_connections, files.rlim_cur, needed);
    }
}

worker::worker(shared_state& shared, std::shared_ptr<const config::config> config,
               std::shared_ptr<const mirror::shadow_set> shadows,
               upstream::upstream_settings production,
               std::shared_ptr<asio::ssl::context> listener_tls)
    : shared_(shared) {
    apply(std::move(config), std::move(shadows), std::move(production), std::move(listener_tls));
}

worker::~worker() {
    context_.stop();
    join();
}

tcp::endpoint worker::bind(const tcp::endpoint& where) {
    beast::error_code ec;
    acceptor_.open(where.protocol(), ec);
    if (!ec) {
        acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        const int enable = 1;
        if (::setsockopt(acceptor_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &enable,
                         sizeof(enable)) != 0) {
            ec.assign(errno, beast::system_category());
        }
    }
    if (!ec) {
        acceptor_.bind(where, ec);
    }
    if (ec) {
        throw listen_error(where, ec.message());
    }
    return acceptor_.local_endpoint();
}

void worker::listen() {
    beast::error_code ec;
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        throw listen_error(acceptor_.local_endpoint(), ec.message());
    }
}

void worker::start() {
    do_accept();
    thread_ = std::thread([this] {
        platform::enter_thread_role("sp-worker", platform::thread_role::worker);
        context_.run();
        finished_.store(true);
    });
}

void worker::join() {
    if (thread_.joinable()) {
        thread_.join();
    }
}

void worker::reload(std::shared_ptr<const config::config> config,
                    std::shared_ptr<const mirror::shadow_set> shadows,
                    upstream::upstream_settings production,
                    std::shared_ptr<asio::ssl::context> listener_tls) {
    asio::post(
        context_, [this, config = std::move(config), shadows = std::move(shadows),
                   production = std::move(production), tls = std::move(listener_tls)]() mutable {
            apply(std::move(config), std::move(shadows), std::move(production), std::move(tls));
        });
}

void worker::apply(std::shared_ptr<const config::config> config,
                   std::shared_ptr<const mirror::shadow_set> shadows,
                   upstream::upstream_settings production,
                   std::shared_ptr<asio::ssl::context> listener_tls) {
    const auto& old = snapshot_.production;
    const bool same_pool = old && old->settings().address == production.address &&
                           old->settings().authority == production.authority &&
                           old->settings().base_path == production.base_path &&
                           old->settings().timeout == production.timeout &&
                           old->settings().connect_timeout == production.connect_timeout &&
                           old->settings().max_idle == production.max_idle &&
                           old->settings().tls == production.tls;
    if (!same_pool) {
        if (old) {
            old->close_idle();
        }
        snapshot_.production_metrics = &shared_.metrics.upstream(production.name);
        snapshot_.production =
            std::make_shared<upstream::upstream_pool>(context_, std::move(production));
    }
    snapshot_.config = std::move(config);
    snapshot_.shadows = std::move(shadows);
    snapshot_.listener_tls = std::move(listener_tls);
}

void worker::drain() {
    asio::post(context_, [this] {
        draining_ = true;
        beast::error_code ignored;
        acceptor_.close(ignored);
        accept_pause_.cancel();
        snapshot_.production->close_idle();
        // Copy first: closing a session may destroy it and erase it from the set.
        const std::vector<connection*> sessions(sessions_.begin(), sessions_.end());
        for (auto* session : sessions) {
            if (sessions_.contains(session)) {
                session->close_if_idle();
            }
        }
    });
}

void worker::abort() {
    asio::post(context_, [this] {
        const std::vector<connection*> sessions(sessions_.begin(), sessions_.end());
        for (auto* session : sessions) {
            if (sessions_.contains(session)) {
                session->close();
            }
        }
        snapshot_.production->close_idle();
        context_.stop();
    });
}

void worker::do_accept() {
    acceptor_.async_accept(context_,
                           [this](beast::error_code ec, client_stream::socket_type socket) {
                               on_accept(ec, std::move(socket));
                           });
}

void worker::on_accept(beast::error_code ec, client_stream::socket_type socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
        return;
    }
    if (ec) {
        return on_accept_error(ec);
    }
    const std::size_t open = shared_.connections.fetch_add(1, std::memory_order_relaxed) + 1;
    const bool over_limit = open > snapshot_.config->limits.max_connections;
    std::make_shared<client_session>(*this, std::move(socket), snapshot_.listener_tls)
        ->start(over_limit);
    do_accept();
}

void worker::on_accept_error(const beast::error_code& ec) {
    const auto reason = classify_accept_error(ec);
    shared_.metrics.count_accept_error(reason);
    auto logged_at = shared_.accept_logged_at_ms.load(std::memory_order_relaxed);
    const auto now = now_ms();
    if (now - logged_at >= accept_log_interval_ms &&
        shared_.accept_logged_at_ms.compare_exchange_strong(logged_at, now)) {
        const auto unlogged = shared_.accept_errors_unlogged.exchange(0);
        spdlog::warn("accept failed: {} ({} more failures since the last such line)", ec.message(),
                     unlogged);
    } else {
        shared_.accept_errors_unlogged.fetch_add(1, std::memory_order_relaxed);
    }
    if (reason == metrics::accept_error::other) {
        return do_accept();  // the failure belonged to one connection (ECONNABORTED, …)
    }
    accept_pause_.expires_after(accept_pause);
    accept_pause_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && acceptor_.is_open()) {
            do_accept();
        }
    });
}

}  // namespace shadowproxy::proxy
