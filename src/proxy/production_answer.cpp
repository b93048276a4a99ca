#include "shadowproxy/proxy/production_answer.hpp"

#include "shadowproxy/proxy/worker.hpp"

namespace shadowproxy::proxy {

const char* production_error_message(metrics::upstream_error error) {
    switch (error) {
        case metrics::upstream_error::connect_failed:
            return "production upstream unreachable";
        case metrics::upstream_error::timeout:
            return "production upstream timed out";
        case metrics::upstream_error::bad_response:
            return "production upstream sent an invalid response";
        case metrics::upstream_error::reset:
            return "production upstream closed the connection";
        case metrics::upstream_error::dns_failed:
            return "production upstream unresolvable";
        case metrics::upstream_error::tls_failed:
            return "production TLS handshake failed";
    }
    return "production upstream failed";
}

std::string error_json(std::string_view message, std::string_view request_id) {
    std::string body;
    body.append(R"({"error":")").append(message).append(R"(","request_id":")");
    body.append(request_id).append("\"}");
    return body;
}

void report_production(const worker_snapshot& snapshot, const upstream::exchange& exchange,
                       mirror::production_slot& copies, production_end&& end) {
    auto& production = *snapshot.production_metrics;
    const auto latency = exchange.latency();
    // A client that went away is not production's failure: the proxy cut the exchange because
    // nobody was left to read it.
    if (end.error && !end.client_aborted) {
        production.count_error(*end.error);
    } else if (!end.error) {
        production.latency.observe(std::chrono::duration<double>(latency).count());
    }
    if (copies.empty()) {
        return;
    }
    auto outcome = std::make_shared<mirror::production_outcome>();
    outcome->latency_ms = std::chrono::duration<double, std::milli>(latency).count();
    outcome->ttfb_ms = std::chrono::duration<double, std::milli>(exchange.ttfb()).count();
    outcome->error = end.error;
    outcome->client_aborted = end.client_aborted;
    if (end.observer) {
        outcome->llm = std::make_shared<const llm::observed_stream>(end.observer->take());
    }
    if (!end.error) {
        outcome->status = exchange.head().status;
        outcome->grpc = upstream::grpc_of(exchange);
        if (end.capture != nullptr) {
            outcome->bytes = end.capture->bytes();
            outcome->truncated = end.capture->truncated();
            outcome->body = std::make_shared<const std::string>(end.capture->take());
        }
    }
    copies.complete(std::move(outcome));
}

}  // namespace shadowproxy::proxy
