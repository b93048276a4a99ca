#include "mirror/shadow.hpp"

#include <boost/asio/post.hpp>

#include "shadowproxy/logsink/record.hpp"
#include "shadowproxy/logsink/record_sink.hpp"
#include "shadowproxy/mirror/features.hpp"

namespace shadowproxy::mirror {

namespace {

compare::exchange_error to_exchange_error(const std::optional<metrics::upstream_error>& e) {
    if (!e) {
        return compare::exchange_error::none;
    }
    switch (*e) {
        case metrics::upstream_error::connect_failed:
            return compare::exchange_error::connect_failed;
        case metrics::upstream_error::timeout:
            return compare::exchange_error::timeout;
        case metrics::upstream_error::bad_response:
            return compare::exchange_error::bad_response;
        case metrics::upstream_error::reset:
            return compare::exchange_error::reset;
    }
    return compare::exchange_error::bad_response;
}

std::string serialize_extra_headers(const config::shadow_config& settings,
                                    const config::mirror_config& mirror) {
    std::string out;
    out.append(mirror.shadow_header_name).append(": ").append(mirror.shadow_header_value);
    out.append("\r\n");
    for (const auto& [name, value] : settings.set_headers) {
        out.append(name).append(": ").append(value).append("\r\n");
    }
    return out;
}

double to_ms(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

comparison_pair::comparison_pair(std::shared_ptr<const upstream::forwarded_request> r,
                                 std::shared_ptr<shadow> s,
                                 std::atomic<std::int64_t>& outstanding_pairs)
    : request(std::move(r)), target(std::move(s)), outstanding(outstanding_pairs) {
    outstanding.fetch_add(1, std::memory_order_relaxed);
}

comparison_pair::~comparison_pair() {
    outstanding.fetch_sub(1, std::memory_order_relaxed);
}

shadow::shadow(shadow_context context, const config::shadow_config& settings,
               std::shared_ptr<const config::config> config, upstream::upstream_settings upstream)
    : context_(context),
      settings_(settings),
      config_(std::move(config)),
      extra_headers_(serialize_extra_headers(settings_, config_->mirror)),
      comparator_(config_->compare),
      family_(context.metrics.shadow(settings.name)),
      upstream_family_(context.metrics.upstream(settings.name)),
      pool_(std::make_shared<upstream::upstream_pool>(context.mirror, std::move(upstream))) {}

bool shadow::try_push(std::shared_ptr<comparison_pair> pair) {
    if (depth_.fetch_add(1, std::memory_order_relaxed) >= config_->mirror.queue_capacity) {
        depth_.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    family_.queue_depth.add(1);
    boost::asio::post(context_.mirror,
                      [self = shared_from_this(), pair = std::move(pair)] { self->enqueue(pair); });
    return true;
}

void shadow::enqueue(std::shared_ptr<comparison_pair> pair) {
    waiting_.push_back(std::move(pair));
    pump();
}

void shadow::pump() {
    while (in_flight_ < settings_.max_in_flight && !waiting_.empty()) {
        auto pair = std::move(waiting_.front());
        waiting_.pop_front();
        depth_.fetch_sub(1, std::memory_order_relaxed);
        family_.queue_depth.add(-1);
        family_.sent.inc();
        ++in_flight_;
        pair->queue_ms = to_ms(std::chrono::steady_clock::now() - pair->enqueued);
        pool_->exchange(
            upstream::upstream_head(*pair->request, pool_->settings().authority, extra_headers_),
            pair->request, config_->compare.max_body_bytes,
            [self = shared_from_this(), pair](upstream::upstream_result&& answer) {
                self->on_answer(pair, std::move(answer));
            });
    }
}

void shadow::on_answer(const std::shared_ptr<comparison_pair>& pair,
                       upstream::upstream_result&& answer) {
    --in_flight_;
    if (answer.error) {
        upstream_family_.count_error(*answer.error);
    } else {
        upstream_family_.count_response(answer.status);
        upstream_family_.latency.observe(std::chrono::duration<double>(answer.latency).count());
    }
    pair->answer = std::move(answer);
    if (pair->arrive()) {
        record(*pair);
    }
    pump();
}

void shadow::record(comparison_pair& pair) {
    const production_outcome& production = *pair.production;
    const compare::side_response production_side{
        to_exchange_error(production.error),
        production.status,
        production.body ? std::string_view{*production.body} : std::string_view{},
        production.latency_ms,
        production.ttfb_ms,
        production.bytes,
        production.truncated};
    const auto& answer = pair.answer;
    const compare::side_response shadow_side{to_exchange_error(answer.error),
                                             answer.error ? 0U : answer.status,
                                             std::string_view{answer.body},
                                             to_ms(answer.latency),
                                             to_ms(answer.ttfb),
                                             answer.bytes,
                                             answer.truncated};
    const compare::comparison result = comparator_.compare(production_side, shadow_side);
    family_.comparisons[static_cast<std::size_t>(result.result)].inc();

    logsink::record_fields fields;
    fields.ts = pair.received;
    fields.request_id = pair.request->request_id;
    fields.method = pair.request->method;
    fields.path = pair.request->path;
    fields.production_name = config_->production.name;
    fields.shadow_name = settings_.name;
    fields.production = &production_side;
    fields.shadow = &shadow_side;
    fields.queue_ms = pair.queue_ms;
    fields.result = &result;
    fields.request_body = pair.request->body;
    extracted_features features;
    if (config_->features) {
        features = extract_features(pair.request->body, *config_->features);
        fields.features = &features.value;
        fields.features_truncated = features.truncated;
    }
    context_.records.write(logsink::format_record(fields, config_->log));
    context_.live.record({fields.request_id, settings_.name, &production_side, &shadow_side,
                          &result, fields.features, fields.features_truncated});
}

}  // namespace shadowproxy::mirror
