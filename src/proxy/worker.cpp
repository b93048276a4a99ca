#include "proxy/worker.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "proxy/client_session.hpp"

namespace shadowproxy::proxy {

namespace {

[[noreturn]] void throw_cannot_listen(const tcp::endpoint& where, const beast::error_code& ec) {
    throw std::runtime_error("cannot listen on " + where.address().to_string() + ":" +
                             std::to_string(where.port()) + ": " + ec.message());
}

}  // namespace

tcp::endpoint claim_port(const tcp::endpoint& where) {
    asio::io_context context;
    tcp::acceptor probe{context};
    beast::error_code ec;
    probe.open(where.protocol(), ec);
    if (!ec) {
        probe.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        probe.bind(where, ec);
    }
    if (ec) {
        throw_cannot_listen(where, ec);
    }
    return probe.local_endpoint();
}

worker::worker(shared_state& shared, std::shared_ptr<const config::config> config,
               std::shared_ptr<const mirror::shadow_set> shadows,
               upstream::upstream_settings production)
    : shared_(shared) {
    apply(std::move(config), std::move(shadows), std::move(production));
}

worker::~worker() {
    context_.stop();
    join();
}

tcp::endpoint worker::listen(const tcp::endpoint& where) {
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
    if (!ec) {
        acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        throw_cannot_listen(where, ec);
    }
    return acceptor_.local_endpoint();
}

void worker::start() {
    do_accept();
    thread_ = std::thread([this] {
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
                    upstream::upstream_settings production) {
    asio::post(context_, [this, config = std::move(config), shadows = std::move(shadows),
                          production = std::move(production)]() mutable {
        apply(std::move(config), std::move(shadows), std::move(production));
    });
}

void worker::apply(std::shared_ptr<const config::config> config,
                   std::shared_ptr<const mirror::shadow_set> shadows,
                   upstream::upstream_settings production) {
    const auto& old = snapshot_.production;
    const bool same_pool = old && old->settings().endpoints == production.endpoints &&
                           old->settings().authority == production.authority &&
                           old->settings().timeout == production.timeout &&
                           old->settings().connect_timeout == production.connect_timeout &&
                           old->settings().max_idle == production.max_idle;
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
}

void worker::drain() {
    asio::post(context_, [this] {
        draining_ = true;
        beast::error_code ignored;
        acceptor_.close(ignored);
        snapshot_.production->close_idle();
        // Copy first: closing a session may destroy it and erase it from the set.
        const std::vector<client_session*> sessions(sessions_.begin(), sessions_.end());
        for (auto* session : sessions) {
            if (sessions_.contains(session)) {
                session->close_if_idle();
            }
        }
    });
}

void worker::abort() {
    asio::post(context_, [this] {
        const std::vector<client_session*> sessions(sessions_.begin(), sessions_.end());
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
        // EMFILE and friends: keep accepting; the failure is transient or logged once here.
        spdlog::warn("accept failed: {}", ec.message());
        return do_accept();
    }
    const std::size_t open = shared_.connections.fetch_add(1, std::memory_order_relaxed) + 1;
    const bool over_limit = open > snapshot_.config->limits.max_connections;
    std::make_shared<client_session>(*this, std::move(socket))->start(over_limit);
    do_accept();
}

}  // namespace shadowproxy::proxy
