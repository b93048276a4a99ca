// One request/response with an upstream whatever the protocol (HTTP/1.1 or HTTP/2), its answer
// read as a stream: the head first, then the body piece by piece at the caller's pace, then the
// trailers. The production relay writes each piece to the client before asking for the next
// (backpressure); the shadow path keeps a bounded prefix (body_capture).
//
// Created by upstream_pool::open() (http1_exchange or h2_exchange by the upstream's protocol);
// each owns itself while an operation is pending and lives on the pool's io_context thread only.
// Failures never throw: start()/read_more() report a metrics::upstream_error (the record's error
// words). At most one operation is pending at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "shadowproxy/metrics/registry.hpp"
#include "shadowproxy/net/field_list.hpp"

namespace shadowproxy::upstream {

using upstream_error = metrics::upstream_error;
using step_handler = std::function<void(std::optional<upstream_error>)>;

// What next_piece() found.
struct body_piece {
    enum class kind {
        data,       // `data` holds body bytes, valid until the next call on the exchange
        end,        // the body is complete (the connection went back to the pool if it can)
        need_read,  // nothing buffered: call read_more()
        failed,     // see error()
    };
    kind what = kind::need_read;
    std::string_view data;
};

class exchange {
public:
    using clock = std::chrono::steady_clock;

    virtual ~exchange() = default;

    // Connects or reuses a connection, sends the request, waits for the head of the final
    // answer (interim 1xx answers are skipped). `done` runs on the pool's thread, never inside
    // start(). The head must arrive within the exchange's timeout from start().
    virtual void start(step_handler done) = 0;

    // After a successful start(): the answer's head (HTTP/2: status from :status, lower-case
    // field names), whether a body follows, its length when declared.
    virtual const net::response_head& head() const = 0;
    virtual bool has_body() const = 0;
    virtual std::optional<std::uint64_t> content_length() const = 0;

    // The next body bytes already received, without I/O.
    virtual body_piece next_piece() = 0;
    // Waits for more of the answer (each wait at most the upstream's timeout); then call
    // next_piece() again.
    virtual void read_more(step_handler done) = 0;
    // Gives up on the rest (HTTP/1.1: the connection is closed; HTTP/2: the stream is reset).
    // Only while no operation is pending.
    virtual void cancel() = 0;

    // The answer's trailer fields once the body ended (HTTP/2 trailers; for a trailers-only
    // answer, gRPC's grpc-status is in head()). Empty for HTTP/1.1.
    // The head and the trailers stay valid while the exchange lives.
    virtual const net::field_list& trailers() const = 0;

    virtual std::optional<upstream_error> error() const = 0;
    // From start() to the first response byte (zero until then), and to the last byte or the
    // failure.
    virtual clock::duration ttfb() const = 0;
    virtual clock::duration latency() const = 0;
};

}  // namespace shadowproxy::upstream
