// What both client protocols (client_session for HTTP/1.1, h2_stream for HTTP/2) do with
// production's answer beyond relaying it: the words of the proxy's own error answers and their
// JSON body, and the hand-over of production's outcome (status, kept body prefix, timings, LLM
// observations) to the mirror's queued copies with production's metrics counted.
//
// Called on the worker's thread only (the slot posts to the mirror thread). Never throws beyond
// std::bad_alloc.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "shadowproxy/llm/stream_observer.hpp"
#include "shadowproxy/mirror/mirror_service.hpp"
#include "shadowproxy/upstream/exchange.hpp"
#include "shadowproxy/upstream/http1_exchange.hpp"  // body_capture
#include "shadowproxy/upstream/pool.hpp"

namespace shadowproxy::proxy {

struct worker_snapshot;

// "production upstream unreachable", … for the 502/504 the proxy answers itself.
const char* production_error_message(metrics::upstream_error error);

// {"error":"<message>","request_id":"<id>"}: the body of every answer the proxy makes itself.
std::string error_json(std::string_view message, std::string_view request_id);

// How production's exchange ended, for report_production().
struct production_end {
    std::optional<upstream::upstream_error> error;
    bool client_aborted = false;  // the client went away: not counted as production's error
    upstream::body_capture* capture = nullptr;  // the relayed body's kept prefix, if relayed
    std::shared_ptr<llm::stream_observer> observer;

    // Production failed (or, client_aborted, was cut because the client went away).
    static production_end failed(upstream::upstream_error error, bool client_aborted = false) {
        production_end end;
        end.error = error;
        end.client_aborted = client_aborted;
        return end;
    }
    // The answer was relayed whole; `capture` holds its kept prefix.
    static production_end relayed(upstream::body_capture* capture,
                                  std::shared_ptr<llm::stream_observer> observer) {
        production_end end;
        end.capture = capture;
        end.observer = std::move(observer);
        return end;
    }
};

// Counts production's error or latency and, when there are copies, completes their slot.
void report_production(const worker_snapshot& snapshot, const upstream::exchange& exchange,
                       mirror::production_slot& copies, production_end&& end);

}  // namespace shadowproxy::proxy
