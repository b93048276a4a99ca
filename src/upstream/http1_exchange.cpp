#include "shadowproxy/upstream/http1_exchange.hpp"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/core/buffers_suffix.hpp>

namespace shadowproxy::upstream {

namespace {

constexpr std::size_t read_chunk = 64 * 1024;
// A head usually fits a small read; the buffer grows only for a big head or the body, so an
// exchange waiting on a stalled upstream holds a few KiB.
constexpr std::size_t head_read = 4096;
// The read buffer holds at most a head (the parser's limit) and one read.
constexpr std::size_t upstream_header_limit = 64 * 1024;
constexpr std::size_t max_buffered = upstream_header_limit + read_chunk;

bool is_peer_closed(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == http::error::partial_message ||
           ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
           ec == asio::ssl::error::stream_truncated;  // a TLS peer closed without close_notify
}

upstream_error classify(const beast::error_code& ec) {
    if (ec == beast::error::timeout || ec == asio::error::timed_out) {
        return upstream_error::timeout;
    }
    if (is_peer_closed(ec) || ec == asio::error::operation_aborted) {
        return upstream_error::reset;
    }
    // A TLS alert or protocol error. In TLS 1.3 a server refuses a client certificate only
    // after the client's handshake has completed: that arrives here, at the first read.
    if (ec.category() == asio::error::get_ssl_category()) {
        return upstream_error::tls_failed;
    }
    return upstream_error::bad_response;
}

}  // namespace

void body_capture::append(std::string_view piece) {
    bytes_ += piece.size();
    if (text_.size() < limit_) {
        const std::string_view kept = piece.substr(0, limit_ - text_.size());
        text_.append(kept);
        if (observer_ != nullptr) {
            observer_->on_captured(kept, steady_clock::now());
        }
    }
}

http1_exchange::http1_exchange(std::shared_ptr<upstream_pool> pool, std::string head,
                               std::shared_ptr<const forwarded_request> request,
                               std::chrono::milliseconds timeout)
    : pool_(std::move(pool)),
      head_(std::move(head)),
      request_(std::move(request)),
      timeout_(timeout),
      started_(steady_clock::now()),
      deadline_(started_ + timeout_),
      buffer_(max_buffered),
      reader_(answer_, upstream_header_limit) {}

http1_exchange::~http1_exchange() {
    if (stream_) {
        stream_->close();
    }
}

void http1_exchange::start(step_handler done) {
    done_ = std::move(done);
    pool_->follow_addresses();
    if (!pool_->endpoints_ || pool_->endpoints_->empty()) {
        // Never resolved (yet): fail without a connection attempt, asynchronously like every
        // other completion.
        return asio::post(pool_->context_, [self = shared_from_this()] {
            self->finish_head(upstream_error::dns_failed);
        });
    }
    if (auto idle = pool_->take_idle()) {
        stream_ = std::move(idle->stream);
        peer_ = idle->peer;
        reused_ = true;
        do_write();
    } else {
        do_connect();
    }
}

void http1_exchange::do_connect() {
    reused_ = false;
    const auto& tls = pool_->settings().tls;
    stream_ = tls ? std::make_unique<upstream_stream>(pool_->context_, tls->context)
                  : std::make_unique<upstream_stream>(pool_->context_);
    endpoints_ = pool_->endpoints_;
    const auto connect_deadline = steady_clock::now() + pool_->settings().connect_timeout;
    stream_->tcp().expires_at(std::min(connect_deadline, deadline_));
    stream_->tcp().async_connect(
        *endpoints_, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint& peer) {
            self->peer_ = peer;
            self->on_connect(ec);
        });
}

void http1_exchange::on_connect(beast::error_code ec) {
    if (ec) {
        return finish_head(ec == beast::error::timeout ? upstream_error::timeout
                                                       : upstream_error::connect_failed);
    }
    stream_->socket().set_option(tcp::no_delay{true}, ec);
    if (!stream_->is_tls()) {
        return do_write();
    }
    const auto& tls = *pool_->settings().tls;
    tls.prepare(stream_->native_handle());
    pool_->offer_session(stream_->native_handle());
    // The handshake counts toward the time to the answer's head, like the connect.
    stream_->tcp().expires_at(deadline_);
    stream_->async_handshake(upstream_stream::handshake_type::client,
                             [self = shared_from_this()](beast::error_code handshake_ec) {
                                 self->on_handshake(handshake_ec);
                             });
}

void http1_exchange::on_handshake(beast::error_code ec) {
    if (ec == beast::error::timeout) {
        return finish_head(upstream_error::timeout);
    }
    if (ec) {
        log_tls_failure(ec);
        return finish_head(upstream_error::tls_failed);
    }
    do_write();
}

upstream_error http1_exchange::failure(const beast::error_code& ec) {
    const upstream_error error = classify(ec);
    if (error == upstream_error::tls_failed) {
        log_tls_failure(ec);
    }
    return error;
}

void http1_exchange::log_tls_failure(const beast::error_code& ec) {
    const auto& settings = pool_->settings();
    if (settings.tls && stream_) {
        settings.tls->log_failure(settings.name, stream_->native_handle(), ec);
    }
}

void http1_exchange::do_write() {
    // Each attempt (a retry on a fresh connection too) writes once, then reads its own answer.
    reader_.reset(request_->is_head);
    buffer_.clear();
    stream_->tcp().expires_at(deadline_);
    beast::buffers_suffix<std::array<asio::const_buffer, 2>> pending{
        std::array<asio::const_buffer, 2>{asio::buffer(head_), asio::buffer(request_->body)}};
    // A rest or an error goes the async way, so completions never run inside start().
    if (stream_->write_now(pending)) {
        return read_head_later();
    }
    asio::async_write(
        *stream_, pending,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void http1_exchange::on_write(beast::error_code ec) {
    if (ec) {
        if (retry_if_stale(ec)) {
            return;
        }
        return finish_head(failure(ec));
    }
    do_read_head();
}

void http1_exchange::read_head_later() {
    // The answer cannot be here the moment the request is written, and reading at once costs a
    // recvmsg failing with EAGAIN. Posted, the read starts after the handlers already ready on
    // this thread have run; under load the answer has often come by then, and one read takes it.
    asio::post(stream_->get_executor(), [self = shared_from_this()] {
        if (!self->stream_) {
            // cancel() closed the connection meanwhile: end as the read it aborted would have.
            return self->on_read_head(asio::error::operation_aborted, 0);
        }
        self->do_read_head();
    });
}

void http1_exchange::do_read_head() {
    if (buffer_.size() + head_read > buffer_.max_size()) {
        return finish_head(upstream_error::bad_response);
    }
    stream_->tcp().expires_at(deadline_);
    stream_->async_read_some(buffer_.prepare(head_read),
                             [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                 self->on_read_head(ec, n);
                             });
}

void http1_exchange::on_read_head(beast::error_code ec, std::size_t bytes) {
    if (bytes > 0 && !got_bytes_) {
        got_bytes_ = true;
        ttfb_ = steady_clock::now() - started_;
    }
    buffer_.commit(bytes);
    if (ec) {
        if (retry_if_stale(ec)) {
            return;
        }
        return finish_head(failure(ec));
    }
    parse_head();
}

void http1_exchange::parse_head() {
    while (buffer_.size() > 0) {
        beast::error_code ec;
        const std::size_t used = reader_.put(buffer_.data(), ec);
        buffer_.consume(used);
        if (ec == http::error::need_more) {
            break;
        }
        if (ec) {
            return finish_head(upstream_error::bad_response);
        }
        if (!reader_.is_header_done()) {
            continue;
        }
        // Interim answers (100 Continue, 103 Early Hints) come before the final one (RFC 9110
        // §15.2); a 101 is not one, it ends as a bad response when the client head is built.
        if (const unsigned status = answer_.status;
            status >= 100 && status < 200 && status != 101) {
            reader_.reset(request_->is_head);
            continue;
        }
        return finish_head(std::nullopt);
    }
    do_read_head();
}

bool http1_exchange::retry_if_stale(const beast::error_code& ec) {
    // A pooled connection the upstream closed while it sat idle fails before any response
    // byte: the request was not processed, so one fresh attempt is safe.
    if (!reused_ || retried_ || got_bytes_ || !is_peer_closed(ec) ||
        steady_clock::now() >= deadline_) {
        return false;
    }
    retried_ = true;
    do_connect();
    return true;
}

void http1_exchange::finish_head(std::optional<upstream_error> error) {
    if (error) {
        fail(*error);
    }
    auto done = std::move(done_);
    done(error);
}

bool http1_exchange::has_body() const {
    return !reader_.is_done();
}

std::optional<std::uint64_t> http1_exchange::content_length() const {
    return reader_.content_length();
}

body_piece http1_exchange::next_piece() {
    if (error_) {
        return {body_piece::kind::failed, {}};
    }
    while (!reader_.is_done()) {
        beast::error_code ec;
        const std::size_t used = reader_.put(buffer_.data(), ec);
        // Consuming moves no bytes: the piece stays where it is until the next read.
        buffer_.consume(used);
        const std::string_view piece = reader_.take_piece();
        if (ec && ec != http::error::need_buffer && ec != http::error::need_more) {
            fail(upstream_error::bad_response);
            return {body_piece::kind::failed, {}};
        }
        if (!piece.empty()) {
            return {body_piece::kind::data, piece};
        }
        if (used == 0) {
            return {body_piece::kind::need_read, {}};
        }
    }
    complete_body();
    return {body_piece::kind::end, {}};
}

void http1_exchange::read_more(step_handler done) {
    done_ = std::move(done);
    if (buffer_.size() + read_chunk > buffer_.max_size()) {
        fail(upstream_error::bad_response);
        return asio::post(stream_->get_executor(), [self = shared_from_this()] {
            auto handler = std::move(self->done_);
            handler(self->error_);
        });
    }
    stream_->tcp().expires_after(timeout_);
    stream_->async_read_some(buffer_.prepare(read_chunk),
                             [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                 self->on_read_body(ec, n);
                             });
}

void http1_exchange::on_read_body(beast::error_code ec, std::size_t bytes) {
    buffer_.commit(bytes);
    if ((ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) &&
        reader_.need_eof()) {
        beast::error_code eof_ec;
        reader_.put_eof(eof_ec);  // the answer was delimited by the close
        ec = eof_ec;
    }
    if (ec) {
        fail(failure(ec));
    }
    auto done = std::move(done_);
    done(error_);
}

void http1_exchange::complete_body() {
    if (finished_) {
        return;
    }
    finished_ = true;
    latency_ = steady_clock::now() - started_;
    if (stream_ && !reused_) {
        pool_->remember_session(stream_->native_handle());
    }
    if (stream_ && reader_.keep_alive() && !reader_.need_eof() && buffer_.size() == 0) {
        pool_->give_back(std::move(stream_), peer_);
    }
    stream_.reset();
}

void http1_exchange::fail(upstream_error error) {
    if (!error_) {
        error_ = error;
        latency_ = steady_clock::now() - started_;
    }
    finished_ = true;
    if (stream_) {
        stream_->close();
        stream_.reset();
    }
}

const net::field_list& http1_exchange::trailers() const {
    static const net::field_list none;
    return none;
}

void http1_exchange::cancel() {
    if (!finished_) {
        fail(upstream_error::reset);
    }
}

}  // namespace shadowproxy::upstream
