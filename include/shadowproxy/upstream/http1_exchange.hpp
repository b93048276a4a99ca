// One HTTP/1.1 request/response with an upstream, its answer read as a stream: the head first,
// then the body piece by piece as it arrives, at the caller's pace. The production relay writes
// each piece to the client before asking for the next (backpressure); the shadow path keeps a
// bounded prefix (body_capture) and drops the rest. Pieces are handed out where they lie in the
// read buffer (answer_reader), so memory per exchange is that buffer (a head and one 64 KiB read
// at most) whatever the answer's size.
//
// Created by upstream_pool::open(); owns itself through shared_from_this and lives on the pool's
// io_context thread only. Failures never throw: start()/read_more() report a
// metrics::upstream_error (classified as the record's error words), after which the connection
// is closed, never pooled. At most one operation is pending at a time.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "shadowproxy/upstream/answer_reader.hpp"
#include "shadowproxy/upstream/capture_observer.hpp"
#include "shadowproxy/upstream/exchange.hpp"
#include "shadowproxy/upstream/pool.hpp"

namespace shadowproxy::upstream {

class upstream_pool;

class http1_exchange final : public exchange, public std::enable_shared_from_this<http1_exchange> {
public:
    http1_exchange(std::shared_ptr<upstream_pool> pool, std::string head,
                   std::shared_ptr<const forwarded_request> request,
                   std::chrono::milliseconds timeout);
    ~http1_exchange() override;
    http1_exchange(const http1_exchange&) = delete;
    http1_exchange& operator=(const http1_exchange&) = delete;

    // Takes a pooled connection or connects (and for TLS shakes hands: a failure is tls_failed),
    // writes the request, reads up to the head of the
    // final answer (1xx interim answers are skipped). `done` runs on the pool's thread, never
    // inside start(). A pooled connection found closed before any response byte is retried once
    // on a fresh one. The head must arrive within the upstream's timeout from start().
    void start(step_handler done) override;

    // After a successful start():
    const net::response_head& head() const override { return answer_; }
    bool has_body() const override;                                // a body follows the head
    std::optional<std::uint64_t> content_length() const override;  // when length-delimited

    // The next body bytes already received, without I/O.
    body_piece next_piece() override;
    // Reads more of the answer (each read waits at most the upstream's timeout); then call
    // next_piece() again. An answer delimited by close ends here.
    void read_more(step_handler done) override;
    // Gives up on the rest: the connection is closed. Only while no operation is pending.
    void cancel() override;
    // HTTP/1.1 trailers (after a chunked body) are not kept: always empty.
    const net::field_list& trailers() const override;

    std::optional<upstream_error> error() const override { return error_; }
    // From start() to the first response byte (zero until then), and to the last byte or the
    // failure.
    steady_clock::duration ttfb() const override { return ttfb_; }
    steady_clock::duration latency() const override { return latency_; }

private:
    void do_connect();
    void on_connect(beast::error_code ec);
    void on_handshake(beast::error_code ec);
    // The error word of a failed operation; a TLS failure is logged (rate-limited) too.
    upstream_error failure(const beast::error_code& ec);
    void log_tls_failure(const beast::error_code& ec);
    void do_write();
    void on_write(beast::error_code ec);
    void read_head_later();
    void do_read_head();
    void on_read_head(beast::error_code ec, std::size_t bytes);
    void parse_head();
    bool retry_if_stale(const beast::error_code& ec);
    void on_read_body(beast::error_code ec, std::size_t bytes);
    void fail(upstream_error error);
    void complete_body();
    void finish_head(std::optional<upstream_error> error);

    std::shared_ptr<upstream_pool> pool_;
    std::string head_;
    std::shared_ptr<const forwarded_request> request_;
    std::chrono::milliseconds timeout_;
    step_handler done_;
    steady_clock::time_point started_;
    steady_clock::time_point deadline_;
    std::shared_ptr<const endpoint_list> endpoints_;  // kept alive while connecting
    tcp::endpoint peer_;
    std::unique_ptr<upstream_stream> stream_;
    beast::flat_buffer buffer_;
    net::response_head answer_;  // filled by reader_
    answer_reader reader_;
    std::optional<upstream_error> error_;
    steady_clock::duration ttfb_{};
    steady_clock::duration latency_{};
    bool got_bytes_ = false;
    bool reused_ = false;
    bool retried_ = false;
    bool finished_ = false;
};

// Keeps the first `limit` bytes of a body and counts them all; an observer, when set, sees each
// kept piece as it arrives.
class body_capture {
public:
    explicit body_capture(std::size_t limit) : limit_(limit) {}
    void observe(capture_observer* observer) { observer_ = observer; }
    void append(std::string_view piece);
    const std::string& text() const { return text_; }
    std::string take() { return std::move(text_); }
    std::uint64_t bytes() const { return bytes_; }
    bool truncated() const { return bytes_ > text_.size(); }

private:
    std::size_t limit_;
    capture_observer* observer_ = nullptr;
    std::string text_;
    std::uint64_t bytes_ = 0;
};

}  // namespace shadowproxy::upstream
