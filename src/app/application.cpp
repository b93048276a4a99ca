#include "app/application.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <optional>

#include "app/config_watcher.hpp"
#include "shadowproxy/admin/admin_server.hpp"
#include "shadowproxy/admin/control_api.hpp"
#include "shadowproxy/admin/dashboard_page.hpp"
#include "shadowproxy/admin/prometheus.hpp"
#include "shadowproxy/admin/stats_page.hpp"
#include "shadowproxy/config/config.hpp"
#include "shadowproxy/logsink/record_sink.hpp"
#include "shadowproxy/metrics/registry.hpp"
#include "shadowproxy/mirror/live_stats.hpp"
#include "shadowproxy/mirror/mirror_service.hpp"
#include "shadowproxy/net/tls_context.hpp"
#include "shadowproxy/proxy/port_owner.hpp"
#include "shadowproxy/proxy/worker.hpp"
#include "shadowproxy/stats/drift.hpp"
#include "shadowproxy/upstream/pool.hpp"
#include "shadowproxy/upstream/resolver.hpp"

namespace shadowproxy::app {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady_clock = std::chrono::steady_clock;

// How often the control thread checks whether draining workers have finished.
constexpr auto drain_poll_interval = std::chrono::milliseconds(10);

void configure_operational_log(const config::log_config& log) {
    spdlog::set_level(spdlog::level::from_str(log.level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
}

// How long start-up and reloads wait for the first lookups of new upstream names, so that the
// first requests find addresses. A name still unresolved then is retried in the background.
constexpr auto first_lookup_wait = std::chrono::seconds(5);

upstream::upstream_settings production_settings(const config::config& config,
                                                upstream::resolver& names) {
    const auto& production = config.production;
    return {production.name,
            production.host.empty() ? production.url.authority : production.host,
            production.url.base_path,
            names.watch(production.url.host, production.url.port, production.resolve_interval),
            production.connect_timeout,
            production.timeout,
            production.max_idle_connections,
            production.url.tls ? std::make_shared<net::client_tls>(
                                     production.tls, production.url.host,
                                     production.protocol == config::upstream_protocol::h2)
                               : nullptr,
            production.protocol != config::upstream_protocol::http1};
}

// A listener's TLS context, or null when it speaks plain HTTP (throws when a file is refused).
std::shared_ptr<asio::ssl::context> listener_context(
    const std::optional<config::listener_tls>& tls) {
    return tls ? net::make_server_context(*tls) : nullptr;
}

void log_tls(std::string_view listener, const std::optional<config::listener_tls>& tls) {
    if (tls) {
        spdlog::info("{}: TLS {} or later with {}{}", listener, tls->min_version, tls->cert_file,
                     tls->client_ca_file.empty() ? "" : ", client certificates required");
    }
}

void add_tls_files(const config::listener_tls& tls, std::vector<std::string>& files) {
    for (const auto* file : {&tls.cert_file, &tls.key_file, &tls.client_ca_file}) {
        if (!file->empty()) {
            files.push_back(*file);
        }
    }
}

void add_tls_files(const config::upstream_tls& tls, std::vector<std::string>& files) {
    for (const auto* file : {&tls.ca_file, &tls.cert_file, &tls.key_file}) {
        if (!file->empty()) {
            files.push_back(*file);
        }
    }
}

// The features baseline of a config, read from its file (throws stats::baseline_error).
std::shared_ptr<const stats::baseline> load_features_baseline(const config::config& config) {
    if (!config.features || config.features->baseline.empty()) {
        return nullptr;
    }
    return std::make_shared<const stats::baseline>(stats::load_baseline(config.features->baseline));
}

// The files whose change reloads the config: the config itself, the admin token and every TLS
// certificate, key and CA file (a renewed certificate is picked up like an edit).
std::vector<std::string> watched_files(const config::config& config) {
    std::vector<std::string> files{config.source_path};
    if (!config.admin.token_file.empty()) {
        files.push_back(config.admin.token_file);
    }
    for (const auto* tls : {&config.listen.tls, &config.admin.tls}) {
        if (*tls) {
            add_tls_files(**tls, files);
        }
    }
    add_tls_files(config.production.tls, files);
    for (const auto& shadow : config.shadows) {
        add_tls_files(shadow.tls, files);
    }
    std::sort(files.begin(), files.end());
    files.erase(std::unique(files.begin(), files.end()), files.end());
    return files;
}

tcp::endpoint make_endpoint(const config::endpoint& where) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(where.address, ec);
    if (ec) {
        throw std::runtime_error("invalid listen address " + where.address);
    }
    return {address, where.port};
}

class application {
public:
    explicit application(std::shared_ptr<const config::config> config)
        : config_(std::move(config)),
          records_(config_->log),
          mirror_(metrics_, records_, live_, names_),
          shared_{metrics_, mirror_, {}, metrics_.upstream("proxy")},
          admin_(control_, [this](const admin::request& in) { return route(in); }) {}

    int run() {
        live_.configure_features(config_->features, load_features_baseline(*config_));
        names_.start();
        const auto shadows = mirror_.build(config_);
        const auto production = production_settings(*config_, names_);
        const auto listener_tls = listener_context(config_->listen.tls);
        admin_.set_tls(listener_context(config_->admin.tls));
        wait_for_names(*config_, production);
        proxy::warn_if_descriptors_short(*config_);
        for (unsigned i = 0; i < config_->worker_count(); ++i) {
            workers_.push_back(std::make_unique<proxy::worker>(shared_, config_, shadows,
                                                               production, listener_tls));
        }
        // The first worker's bind picks the port when the config says 0; nothing listens
        // until the port is known to be this process's alone (proxy/port_owner.hpp).
        const auto where = workers_.front()->bind(make_endpoint(config_->listen));
        port_owner_.emplace(where);
        for (std::size_t i = 1; i < workers_.size(); ++i) {
            workers_[i]->bind(where);
        }
        for (auto& w : workers_) {
            w->listen();
        }
        const auto admin_where = admin_.listen(make_endpoint(config_->admin));
        spdlog::info("listening on {}:{} ({} workers), admin on {}:{}, production {} at {}",
                     where.address().to_string(), where.port(), workers_.size(),
                     admin_where.address().to_string(), admin_where.port(),
                     config_->production.name, config_->production.url.text);
        log_tls("listen", config_->listen.tls);
        log_tls("admin", config_->admin.tls);
        for (const auto& shadow : config_->shadows) {
            spdlog::info("shadow {} at {} (sample_rate {})", shadow.name, shadow.url.text,
                         shadow.sample_rate);
        }

        mirror_.start(config_->mirror.compare_threads);
        for (auto& w : workers_) {
            w->start();
        }
        admin_.start();
        watcher_.watch(watched_files(*config_));
        wait_for_signal();
        control_.run();
        return 0;
    }

private:
    void wait_for_signal() {
        signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
            if (ec) {
                return;
            }
            if (signal == SIGHUP) {
                reload();
                return wait_for_signal();
            }
            spdlog::info("signal {}: draining (up to {} ms)", signal,
                         config_->limits.drain_timeout.count());
            start_drain();
        });
    }

    // SIGHUP and the watcher both come here. Whatever the outcome, the files as they are now
    // become the watcher's baseline: the same edit is not applied (or rejected) twice.
    void reload() {
        try_reload();
        watcher_.watch(watched_files(*config_));
    }

    void try_reload() {
        std::shared_ptr<const config::config> next;
        try {
            auto loaded = std::make_shared<config::config>(config::load_file(config_->source_path));
            next = std::move(loaded);
            if (next->listen.address != config_->listen.address ||
                next->listen.port != config_->listen.port ||
                next->admin.address != config_->admin.address ||
                next->admin.port != config_->admin.port || next->threads != config_->threads ||
                next->mirror.compare_threads != config_->mirror.compare_threads) {
                spdlog::warn(
                    "reload: listen, admin, threads and mirror.compare_threads changes need a "
                    "restart; the running listeners and threads are kept");
            }
            auto baseline = load_features_baseline(*next);
            const auto production = production_settings(*next, names_);
            // Certificates are read again: a bad new one throws here and the old stays.
            const auto listener_tls = listener_context(next->listen.tls);
            auto admin_tls = listener_context(next->admin.tls);
            const auto shadows = mirror_.build(next);
            wait_for_names(*next, production);
            live_.configure_features(next->features, std::move(baseline));
            records_.reconfigure(next->log);
            configure_operational_log(next->log);
            admin_.set_tls(std::move(admin_tls));
            for (auto& w : workers_) {
                w->reload(next, shadows, production, listener_tls);
            }
        } catch (const std::exception& e) {  // config_error, resolve or baseline failures
            metrics_.config_reloads_failure.inc();
            spdlog::error("reload rejected, keeping the running config: {}", e.what());
            return;
        }
        config_ = std::move(next);
        metrics_.config_reloads_success.inc();
        spdlog::info("config reloaded from {}", config_->source_path);
    }

    // Waits (bounded) for the first lookup of every upstream name of `config`; remembers
    // production's name for /readyz.
    void wait_for_names(const config::config& config,
                        const upstream::upstream_settings& production) {
        std::vector<std::shared_ptr<upstream::resolved_name>> names;
        names.push_back(names_.watch(config.production.url.host, config.production.url.port,
                                     config.production.resolve_interval));
        for (const auto& shadow : config.shadows) {
            names.push_back(
                names_.watch(shadow.url.host, shadow.url.port, shadow.resolve_interval));
        }
        if (const auto& noise = config.compare.noise_reference) {
            names.push_back(
                names_.watch(noise->url.host, noise->url.port, noise->resolve_interval));
        }
        names_.wait_first_lookups(names, steady_clock::now() + first_lookup_wait);
        production_address_ = production.address;
    }

    void start_drain() {
        draining_ = true;
        deadline_ = steady_clock::now() + config_->limits.drain_timeout;
        // The admin listener stays open while draining so /readyz can answer 503
        // (docs/operations.md).
        signals_.cancel();
        watcher_.stop();
        for (auto& w : workers_) {
            w->drain();
        }
        poll_drain();
    }

    void poll_drain() {
        const bool all_done = std::all_of(workers_.begin(), workers_.end(),
                                          [](const auto& w) { return w->finished(); });
        if (!all_done && steady_clock::now() < deadline_) {
            drain_timer_.expires_after(drain_poll_interval);
            drain_timer_.async_wait([this](const boost::system::error_code&) { poll_drain(); });
            return;
        }
        if (!all_done) {
            spdlog::warn("drain deadline reached: closing the connections still open");
            for (auto& w : workers_) {
                w->abort();
            }
        }
        for (auto& w : workers_) {
            w->join();
        }
        port_owner_.reset();  // the listeners are closed: a new instance may take the port
        mirror_.drain(deadline_);
        records_.flush(std::chrono::duration_cast<std::chrono::milliseconds>(
            std::max(deadline_ - steady_clock::now(), steady_clock::duration{})));
        spdlog::info("drained: {} records written, {} dropped", records_.written(),
                     records_.dropped());
        admin_.stop();
        control_.stop();
    }

    admin::page route(const admin::request& in) {
        if (admin::is_control_path(in.path)) {
            return admin::handle_control(in, *config_, metrics_);
        }
        if (in.method != "GET") {
            return {
                405, "text/plain; charset=utf-8", "method not allowed\n", {{"Allow", "GET, HEAD"}}};
        }
        // The probes stay open: the kubelet has no token.
        if (config_->admin.protect_reads && in.path != "/healthz" && in.path != "/readyz" &&
            !admin::bearer_matches(in.authorization, config_->admin.token)) {
            return admin::unauthorized();
        }
        return read_page(in.path);
    }

    admin::page read_page(std::string_view path) {
        if (path == "/healthz") {
            return {200, "text/plain; charset=utf-8", "ok\n", {}};
        }
        if (path == "/readyz") {
            if (draining_) {
                return {503, "text/plain; charset=utf-8", "draining\n", {}};
            }
            if (!production_address_ || !production_address_->resolved()) {
                return {503, "text/plain; charset=utf-8", "production unresolvable\n", {}};
            }
            return {200, "text/plain; charset=utf-8", "ready\n", {}};
        }
        if (path == "/metrics") {
            return {200,
                    "text/plain; version=0.0.4; charset=utf-8",
                    admin::render_prometheus(
                        metrics_, {records_.dropped(), records_.written(), live_.feature_counts()}),
                    {}};
        }
        if (path == "/stats") {
            const auto live = live_.snapshot();
            return {200,
                    "application/json",
                    admin::render_stats({*config_, metrics_, live, draining_, records_.written(),
                                         records_.dropped()}),
                    {}};
        }
        if (path == "/") {
            return {200, "text/html; charset=utf-8", std::string{admin::dashboard_html()}, {}};
        }
        return {404, "text/plain; charset=utf-8", "not found\n", {}};
    }

    std::shared_ptr<const config::config> config_;
    asio::io_context control_{1};
    asio::signal_set signals_{control_, SIGTERM, SIGINT, SIGHUP};
    asio::steady_timer drain_timer_{control_};
    metrics::registry metrics_;
    upstream::resolver names_;
    std::shared_ptr<const upstream::resolved_name> production_address_;
    logsink::record_sink records_;
    mirror::live_stats live_;
    mirror::mirror_service mirror_;
    proxy::shared_state shared_;
    admin::admin_server admin_;
    config_watcher watcher_{control_, [this] { reload(); }};
    std::optional<proxy::port_owner> port_owner_;  // outlives the workers' listeners
    std::vector<std::unique_ptr<proxy::worker>> workers_;
    bool draining_ = false;
    steady_clock::time_point deadline_;
};

}  // namespace

int run_proxy(const std::string& config_path) {
    auto config = std::make_shared<const config::config>(config::load_file(config_path));
    // A client or log reader that goes away must give an error code, not kill the process.
    std::signal(SIGPIPE, SIG_IGN);
    spdlog::set_default_logger(spdlog::stderr_logger_mt("shadowproxy"));
    configure_operational_log(config->log);
    application app{std::move(config)};
    return app.run();
}

}  // namespace shadowproxy::app
