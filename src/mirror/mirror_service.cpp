#include "shadowproxy/mirror/mirror_service.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <thread>

#include "mirror/compare_pool.hpp"
#include "mirror/shadow.hpp"
#include "shadowproxy/mirror/sampler.hpp"
#include "shadowproxy/net/tls_context.hpp"
#include "shadowproxy/oip/grpc_message.hpp"
#include "shadowproxy/platform/thread_role.hpp"

namespace shadowproxy::mirror {

production_slot& production_slot::operator=(production_slot&& other) noexcept {
    if (this != &other) {
        if (!pairs_.empty()) {
            complete(nullptr);
        }
        pairs_ = std::move(other.pairs_);
        other.pairs_.clear();
    }
    return *this;
}

production_slot::~production_slot() {
    if (!pairs_.empty()) {
        complete(nullptr);
    }
}

void production_slot::complete(std::shared_ptr<const production_outcome> outcome) {
    if (!outcome) {
        // The production side ended without an answer (client gone, shutdown): record it as a
        // connection that closed before a complete response.
        auto reset = std::make_shared<production_outcome>();
        reset->error = metrics::upstream_error::reset;
        outcome = std::move(reset);
    }
    for (auto& pair : pairs_) {
        pair->production = outcome;
        if (pair->arrive()) {
            pair->target->compare(pair);
        }
    }
    pairs_.clear();
}

mirror_service::mirror_service(metrics::registry& metrics, logsink::record_sink& records,
                               live_stats& live, upstream::resolver& names)
    : metrics_(metrics),
      records_(records),
      live_(live),
      names_(names),
      compare_(std::make_unique<compare_pool>(context_)) {}

mirror_service::~mirror_service() {
    context_.stop();
    if (thread_.joinable()) {
        thread_.join();
    }
    compare_->stop();
}

std::shared_ptr<const shadow_set> mirror_service::build(
    const std::shared_ptr<const config::config>& config) {
    // The noise reference is one more shadow on the same bounded, isolated path; only its
    // records differ ("reference": "noise").
    std::vector<const config::shadow_config*> targets;
    targets.reserve(config->shadows.size() + 1);
    for (const auto& settings : config->shadows) {
        targets.push_back(&settings);
    }
    if (config->compare.noise_reference) {
        targets.push_back(&*config->compare.noise_reference);
    }
    // The TLS contexts first: one that cannot be built (a file changed since the config was
    // checked) throws before anything running is touched.
    std::vector<std::shared_ptr<net::client_tls>> tls;
    tls.reserve(targets.size());
    for (const auto* target : targets) {
        tls.push_back(target->url.tls ? std::make_shared<net::client_tls>(
                                            target->tls, target->url.host,
                                            target->protocol == config::upstream_protocol::h2)
                                      : nullptr);
    }
    auto set = std::make_shared<shadow_set>();
    total_bytes_.set_limit(config->mirror.max_total_bytes);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const auto& settings = *targets[i];
        upstream::upstream_settings pool_settings{
            settings.name,
            settings.host.empty() ? settings.url.authority : settings.host,
            settings.url.base_path,
            names_.watch(settings.url.host, settings.url.port, settings.resolve_interval),
            settings.connect_timeout,
            settings.timeout,
            settings.max_in_flight,
            std::move(tls[i]),
            settings.protocol != config::upstream_protocol::http1,
        };
        set->shadows.push_back(
            std::make_shared<shadow>(shadow_context{context_, *compare_, metrics_, records_, live_,
                                                    outstanding_, total_bytes_},
                                     settings, config, std::move(pool_settings)));
        names.push_back(settings.name);
    }
    metrics_.set_active_shadows(std::move(names));
    return set;
}

production_slot mirror_service::offer(
    const shadow_set& shadows, const std::shared_ptr<const upstream::forwarded_request>& request) {
    production_slot slot;
    // A gRPC call whose body is not exactly one message is a streaming call: passed through to
    // production, never mirrored (its messages cannot be paired one to one).
    const bool streaming_rpc =
        oip::is_grpc_content_type(find_header(request->headers, "content-type")) &&
        !oip::single_grpc_message(request->body);
    for (const auto& target : shadows.shadows) {
        const auto& settings = target->settings();
        if (!matches(settings.match, request->method, request->path)) {
            continue;
        }
        auto& family = target->family();
        // A paused shadow is not offered the request at all: not eligible, so the drop ratio
        // and eligible = sent + dropped stay meaningful while it is paused.
        if (family.paused.load(std::memory_order_relaxed)) {
            continue;
        }
        family.eligible.inc();
        if (target->ejected_now()) {
            family.count_drop(metrics::drop_reason::shadow_ejected);
            continue;
        }
        std::string_view key = request->request_id;
        if (settings.key.from == config::sample_key::source::header) {
            // Requests without the header fall back to their id, so they are sampled at the
            // configured rate rather than all in or all out.
            if (const auto value = find_header(request->headers, settings.key.header);
                !value.empty()) {
                key = value;
            }
        }
        const double override_rate = family.sample_rate_override.load(std::memory_order_relaxed);
        if (!sampled(override_rate >= 0 ? override_rate : settings.sample_rate, key)) {
            continue;
        }
        if (streaming_rpc) {
            family.count_drop(metrics::drop_reason::streaming_rpc);
            continue;
        }
        if (request->body.size() > target->max_body_bytes()) {
            family.count_drop(metrics::drop_reason::body_too_large);
            continue;
        }
        auto pair = std::make_shared<comparison_pair>(request, target, outstanding_);
        if (const auto dropped = target->try_push(std::shared_ptr{pair})) {
            family.count_drop(*dropped);
            continue;
        }
        slot.pairs_.push_back(std::move(pair));
    }
    return slot;
}

void mirror_service::start(unsigned compare_threads) {
    compare_->start(compare_threads);
    work_.emplace(context_.get_executor());
    thread_ = std::thread([this] {
        platform::enter_thread_role("sp-mirror", platform::thread_role::background);
        context_.run();
    });
}

void mirror_service::drain(std::chrono::steady_clock::time_point deadline) {
    // Bounded poll: the workers have stopped, so the count only goes down from here.
    while (outstanding_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (const auto left = outstanding_.load(); left > 0) {
        spdlog::warn("shutdown: {} mirrored copies not compared before the drain deadline", left);
    }
    work_.reset();
    context_.stop();
    if (thread_.joinable()) {
        thread_.join();
    }
    compare_->stop();
}

}  // namespace shadowproxy::mirror
