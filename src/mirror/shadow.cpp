#include "mirror/shadow.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "shadowproxy/logsink/record.hpp"
#include "shadowproxy/logsink/record_sink.hpp"
#include "shadowproxy/mirror/features.hpp"

namespace shadowproxy::mirror {

namespace {

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

// The shadow marker never reaches here from the client (forward() drops it); a set_headers
// name is the proxy's for this shadow, so the client's copies are left out of its request.
std::vector<std::string> owned_names(const config::shadow_config& settings) {
    std::vector<std::string> names;
    for (const auto& [name, value] : settings.set_headers) {
        names.push_back(name);
    }
    return names;
}

constexpr std::string_view model_infer_path = "/inference.GRPCInferenceService/ModelInfer";

double to_ms(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

void count_side(metrics::upstream_family& family, const llm::side_answer& side) {
    if (side.ttft_ms) {
        family.ttft.observe(*side.ttft_ms / 1000.0);
    }
    family.output_tokens.inc(side.output_tokens);
}

stats::llm_observation generated_observation(const generated_pair& generated) {
    stats::llm_observation o;
    if (generated.result) {
        o.agreement = static_cast<const stats::llm_agreement&>(*generated.result);
    }
    const auto called_tool = [](const std::optional<llm::side_answer>& side) {
        return side && !side->assembled.choices.empty() &&
               !side->assembled.choices.front().tool_calls.empty();
    };
    o.tool_calls_seen = called_tool(generated.production) || called_tool(generated.shadow);
    const auto finish = [](const llm::side_answer& side) {
        const auto& choices = side.assembled.choices;
        return choices.empty() || !choices.front().finish_reason
                   ? std::string_view{}
                   : std::string_view{*choices.front().finish_reason};
    };
    if (const auto& p = generated.production) {
        o.production_ttft_ms = p->ttft_ms;
        o.production_itl_ms = p->itl_ms_mean;
        o.production_tokens_per_s = p->tokens_per_s;
        o.production_finish = finish(*p);
    }
    if (const auto& s = generated.shadow) {
        o.shadow_ttft_ms = s->ttft_ms;
        o.shadow_itl_ms = s->itl_ms_mean;
        o.shadow_tokens_per_s = s->tokens_per_s;
        o.shadow_finish = finish(*s);
    }
    return o;
}

bool decided_by_bodies(words::outcome result) {
    return result == words::outcome::match || result == words::outcome::prediction_match ||
           result == words::outcome::prediction_mismatch;
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
      owned_names_(owned_names(settings_)),
      comparator_(config_->compare),
      family_(context.metrics.shadow(settings.name)),
      upstream_family_(context.metrics.upstream(settings.name)),
      production_family_(context.metrics.upstream(config_->production.name)),
      pool_(std::make_shared<upstream::upstream_pool>(context.mirror, std::move(upstream))),
      route_{.host = pool_->settings().authority,
             .base_path = pool_->settings().base_path,
             .rewrite_from = settings_.rewrite ? settings_.rewrite->from : std::string_view{},
             .rewrite_to = settings_.rewrite ? settings_.rewrite->to : std::string_view{},
             .remove_headers = &settings_.remove_headers},
      queue_bytes_(config_->mirror.max_queue_bytes),
      ejection_(ejection::policy{settings_.eject_after_failures}) {
    family_.ejected.set(0);
}

bool shadow::ejected_now() const {
    const std::int64_t until = ejected_until_.load(std::memory_order_relaxed);
    return until != healthy && std::chrono::steady_clock::now().time_since_epoch().count() < until;
}

std::optional<metrics::drop_reason> shadow::try_push(std::shared_ptr<comparison_pair>&& pair) {
    if (depth_.fetch_add(1, std::memory_order_relaxed) >= config_->mirror.queue_capacity) {
        depth_.fetch_sub(1, std::memory_order_relaxed);
        return metrics::drop_reason::queue_full;
    }
    if (!budget_hold::acquire(pair->budget, queue_bytes_, context_.total_bytes,
                              &family_.queue_bytes, pair->request->body.size())) {
        depth_.fetch_sub(1, std::memory_order_relaxed);
        return metrics::drop_reason::memory_budget;
    }
    family_.queue_depth.add(1);
    boost::asio::post(context_.mirror,
                      [self = shared_from_this(), pair = std::move(pair)] { self->enqueue(pair); });
    return std::nullopt;
}

void shadow::enqueue(std::shared_ptr<comparison_pair> pair) {
    waiting_.push_back(std::move(pair));
    pump();
}

void shadow::pump() {
    while (!waiting_.empty()) {
        if (!ejection_.ejected() && in_flight_ >= settings_.max_in_flight) {
            return;
        }
        auto pair = std::move(waiting_.front());
        waiting_.pop_front();
        depth_.fetch_sub(1, std::memory_order_relaxed);
        family_.queue_depth.add(-1);
        // An ejected shadow drains its queue as drops; the one probe may go past max_in_flight
        // by one, since the copies still out are those that failed.
        switch (ejection_.admit(std::chrono::steady_clock::now())) {
            case ejection::admission::drop:
                skip(pair);
                continue;
            case ejection::admission::probe:
                pair->probe = true;
                publish_ejection();
                break;
            case ejection::admission::send:
                break;
        }
        send(pair);
    }
}

void shadow::send(const std::shared_ptr<comparison_pair>& pair) {
    family_.sent.inc();
    ++in_flight_;
    pair->queue_ms = to_ms(std::chrono::steady_clock::now() - pair->enqueued);
    pair->observer = llm::observer_for(config_->compare, pair->request->path);
    pool_->exchange(
        upstream::upstream_head(*pair->request, route_, extra_headers_, owned_names_),
        pair->request, config_->compare.max_body_bytes,
        [self = shared_from_this(), pair](upstream::upstream_result&& answer) {
            self->on_answer(pair, std::move(answer));
        },
        pair->observer);
}

void shadow::skip(const std::shared_ptr<comparison_pair>& pair) {
    family_.count_drop(metrics::drop_reason::shadow_ejected);
    pair->budget.release();
    pair->skipped = true;
    // When production already arrived nobody will: the pair ends with this reference.
    pair->arrive();
}

void shadow::on_answer(const std::shared_ptr<comparison_pair>& pair,
                       upstream::upstream_result&& answer) {
    --in_flight_;
    pair->budget.release();
    if (answer.error) {
        upstream_family_.count_error(*answer.error);
    } else {
        upstream_family_.count_response(answer.status);
        upstream_family_.latency.observe(std::chrono::duration<double>(answer.latency).count());
    }
    update_ejection(*pair, answer);
    pair->answer = std::move(answer);
    if (pair->arrive()) {
        compare(pair);
    }
    pump();
}

void shadow::update_ejection(const comparison_pair& pair, const upstream::upstream_result& answer) {
    using metrics::upstream_error;
    const bool unreachable = answer.error && (*answer.error == upstream_error::connect_failed ||
                                              *answer.error == upstream_error::timeout ||
                                              *answer.error == upstream_error::dns_failed ||
                                              *answer.error == upstream_error::tls_failed);
    const auto was_ejected = ejection_.ejected();
    switch (ejection_.on_result(unreachable, pair.probe, std::chrono::steady_clock::now())) {
        case ejection::transition::ejected:
            family_.ejected.set(1);
            spdlog::warn(
                "shadow {} ejected after {} consecutive {} exchanges: copies dropped, "
                "probe in {} ms",
                settings_.name, settings_.eject_after_failures, words::to_string(*answer.error),
                std::chrono::duration_cast<std::chrono::milliseconds>(ejection_.backoff()).count());
            break;
        case ejection::transition::recovered:
            family_.ejected.set(0);
            spdlog::info("shadow {} recovered: its probe copy was answered", settings_.name);
            break;
        case ejection::transition::none:
            break;
    }
    if (was_ejected || ejection_.ejected()) {
        publish_ejection();
    }
}

void shadow::publish_ejection() {
    const auto until = ejection_.ejected_until();
    std::int64_t ticks = healthy;
    if (until == ejection::clock::time_point::max()) {
        ticks = std::numeric_limits<std::int64_t>::max();
    } else if (ejection_.ejected()) {
        ticks = until.time_since_epoch().count();
    }
    ejected_until_.store(ticks, std::memory_order_relaxed);
}

generated_pair shadow::compare_generated(const production_outcome& production,
                                         const comparison_pair& pair,
                                         compare::comparison& result) const {
    generated_pair out;
    if (production.llm && !production.error && production.body) {
        out.production = llm::side_of(*production.llm, *production.body, production.latency_ms);
    }
    if (pair.observer && !pair.answer.error) {
        out.shadow =
            llm::side_of(pair.observer->take(), pair.answer.body, to_ms(pair.answer.latency));
    }
    if (!out.production || !out.shadow) {
        return out;
    }
    out.result = llm::compare_answers(out.production->assembled, out.shadow->assembled,
                                      config_->compare.openai.max_similarity_chars);
    // Generated text is never byte-equal by chance: the outcome says whether the answers are
    // the same (match) or not (prediction_mismatch); errors and statuses decide first as ever.
    if (decided_by_bodies(result.result)) {
        result.result =
            out.result->exact_match ? words::outcome::match : words::outcome::prediction_mismatch;
    }
    return out;
}

void shadow::count_generated(const production_outcome& production,
                             const generated_pair& generated) {
    if (generated.production && !production.llm_counted.exchange(true)) {
        count_side(production_family_, *generated.production);
    }
    if (generated.shadow) {
        count_side(upstream_family_, *generated.shadow);
    }
    if (generated.result) {
        family_.text_similarity.observe(generated.result->text_similarity);
    }
}

void shadow::compare(std::shared_ptr<comparison_pair> pair) {
    context_.compare.submit(std::move(pair));
}

void shadow::record(comparison_pair& pair) {
    if (pair.skipped) {
        return;
    }
    const production_outcome& production = *pair.production;
    const auto& answer = pair.answer;
    // A gRPC ModelInfer answer is compared as its decoded tensors; its request feeds the
    // features as a ModelInferRequest.
    const bool model_infer = pair.request->path == model_infer_path;
    const auto kind_of = [model_infer](const upstream::grpc_answer& grpc) {
        return model_infer && grpc.is_grpc ? compare::body_kind::grpc_model_infer
                                           : compare::body_kind::json;
    };
    const compare::side_response production_side{
        production.error,
        production.status,
        production.body ? std::string_view{*production.body} : std::string_view{},
        production.latency_ms,
        production.ttfb_ms,
        production.bytes,
        production.truncated,
        kind_of(production.grpc),
        production.error ? std::nullopt : production.grpc.status};
    const compare::side_response shadow_side{answer.error,
                                             answer.error ? 0U : answer.status,
                                             std::string_view{answer.body},
                                             to_ms(answer.latency),
                                             to_ms(answer.ttfb),
                                             answer.bytes,
                                             answer.truncated,
                                             kind_of(answer.grpc),
                                             answer.error ? std::nullopt : answer.grpc.status};
    compare::comparison result = comparator_.compare(production_side, shadow_side);
    const generated_pair generated = compare_generated(production, pair, result);
    count_generated(production, generated);
    family_.comparisons[static_cast<std::size_t>(result.result)].inc();
    if (!result.status_match) {
        family_.status_mismatches.inc();
    }
    if (shadow_side.status >= 500 || shadow_side.grpc_status.value_or(0) != 0) {
        family_.shadow_server_errors.inc();
    }

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
    fields.production_llm = generated.production ? &*generated.production : nullptr;
    fields.shadow_llm = generated.shadow ? &*generated.shadow : nullptr;
    fields.llm_compare = generated.result ? &*generated.result : nullptr;
    fields.noise_reference = settings_.noise_reference;
    fields.client_aborted = production.client_aborted;
    extracted_features features;
    if (config_->features) {
        const bool grpc_request = production_side.kind == compare::body_kind::grpc_model_infer ||
                                  shadow_side.kind == compare::body_kind::grpc_model_infer;
        features = extract_features(
            pair.request->body, *config_->features,
            grpc_request ? compare::body_kind::grpc_model_infer : compare::body_kind::json);
        fields.features = &features.value;
        fields.features_truncated = features.truncated;
    }
    context_.records.write(logsink::format_record(fields, config_->log));
    const stats::llm_observation generated_stats = generated_observation(generated);
    context_.live.record({!production.live_counted.exchange(true), settings_.name, &production_side,
                          &shadow_side, &result, fields.features, fields.features_truncated,
                          generated.production || generated.shadow ? &generated_stats : nullptr,
                          settings_.noise_reference});
}

}  // namespace shadowproxy::mirror
