// One request/response on an HTTP/2 upstream (protocol h2c or h2): a stream of one of the pool's
// multiplexed connections (h2_client.hpp). The HTTP/1.1 request head the proxy built is
// translated (:method, :scheme, :authority from Host, :path; hop-by-hop fields dropped, `te`
// kept only as "trailers"); the answer's :status and fields become a net::response_head, its
// DATA the body pieces and its trailing HEADERS the trailers. Flow control follows the caller:
// received bytes are given back to the peer's window only as next_piece() hands them out, so a
// slow client holds at most one stream window (256 KiB) per exchange.
//
// Created by upstream_pool::open(); owns itself through shared_from_this while an operation is
// pending; pool thread only. Failures never throw: RST_STREAM → reset (a stream refused before
// any answer is retried once), connection loss → reset, no head or no more body within the
// timeout → timeout, connect/TLS failures as for HTTP/1.1.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "shadowproxy/upstream/exchange.hpp"
#include "shadowproxy/upstream/pool.hpp"

namespace shadowproxy::upstream {

class h2_client;
class h2_connection;

class h2_exchange final : public exchange, public std::enable_shared_from_this<h2_exchange> {
public:
    h2_exchange(std::shared_ptr<upstream_pool> pool, std::shared_ptr<h2_client> client,
                std::string head, std::shared_ptr<const forwarded_request> request,
                std::chrono::milliseconds timeout);
    ~h2_exchange() override;
    h2_exchange(const h2_exchange&) = delete;
    h2_exchange& operator=(const h2_exchange&) = delete;

    void start(step_handler done) override;
    const net::response_head& head() const override { return head_; }
    bool has_body() const override { return !ended_at_head_; }
    std::optional<std::uint64_t> content_length() const override;
    body_piece next_piece() override;
    void read_more(step_handler done) override;
    void cancel() override;
    const net::field_list& trailers() const override { return trailers_; }
    std::optional<upstream_error> error() const override { return error_; }
    clock::duration ttfb() const override { return ttfb_; }
    clock::duration latency() const override { return latency_; }

    // Called by the stream's connection (inside nghttp2's callbacks).
    void on_header(std::string_view name, std::string_view value);
    void on_headers_end(bool end_stream);
    void on_data(std::string_view data);
    void on_end_stream();
    void on_stream_closed(std::uint32_t code);
    void on_connection_failed(upstream_error error);
    // The request body's next bytes for the DATA frames (at most `length`); sets `last` at the
    // end.
    std::size_t read_body(std::uint8_t* out, std::size_t length, bool& last);

private:
    enum class waiting { nothing, head, body };

    void attach();
    void build_fields();
    void notify();
    void arm(clock::time_point deadline);
    void on_timer();
    void fail(upstream_error error);
    void detach(bool reset);
    void complete();

    std::shared_ptr<upstream_pool> pool_;
    std::shared_ptr<h2_client> client_;
    std::string request_head_;
    std::shared_ptr<const forwarded_request> request_;
    std::chrono::milliseconds timeout_;
    std::vector<std::string> field_text_;  // names and values the nghttp2_nv entries point into
    std::shared_ptr<h2_connection> connection_;
    std::int32_t stream_id_ = 0;
    std::size_t body_sent_ = 0;
    step_handler done_;
    waiting waiting_ = waiting::nothing;
    asio::steady_timer timer_;
    unsigned timer_generation_ = 0;
    clock::time_point started_;
    net::response_head head_;
    net::field_list trailers_;
    unsigned status_ = 0;
    std::string inbox_;  // received body bytes not handed out yet
    std::string piece_;  // the piece handed out last
    std::optional<upstream_error> error_;
    clock::duration ttfb_{};
    clock::duration latency_{};
    bool got_bytes_ = false;
    bool head_done_ = false;
    bool ended_ = false;
    bool ended_at_head_ = false;
    bool finished_ = false;
    bool retried_ = false;
    bool was_ready_ = false;  // the stream went to an established connection
};

}  // namespace shadowproxy::upstream
