#include "shadowproxy/upstream/pool.hpp"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <stdexcept>

#include "shadowproxy/upstream/write_now.hpp"

namespace shadowproxy::upstream {

namespace {

bool is_peer_closed(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == http::error::partial_message ||
           ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::error::connection_aborted;
}

metrics::upstream_error classify(const beast::error_code& ec) {
    if (ec == beast::error::timeout || ec == asio::error::timed_out) {
        return metrics::upstream_error::timeout;
    }
    if (is_peer_closed(ec) || ec == asio::error::operation_aborted) {
        return metrics::upstream_error::reset;
    }
    return metrics::upstream_error::bad_response;
}

}  // namespace

std::vector<tcp::endpoint> resolve(const std::string& host, std::uint16_t port) {
    asio::io_context context;
    tcp::resolver resolver{context};
    beast::error_code ec;
    const auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
        throw std::runtime_error("cannot resolve " + host + ":" + std::to_string(port) + ": " +
                                 (ec ? ec.message() : std::string{"no address"}));
    }
    std::vector<tcp::endpoint> out;
    for (const auto& entry : results) {
        out.push_back(entry.endpoint());
    }
    return out;
}

// One request/response on a pooled or fresh connection: connect → write → read, each step a
// do_/on_ pair with the deadline re-armed before it.
class upstream_exchange : public std::enable_shared_from_this<upstream_exchange> {
public:
    upstream_exchange(std::shared_ptr<upstream_pool> pool, std::string head,
                      std::shared_ptr<const forwarded_request> request, exchange_handler done)
        : pool_(std::move(pool)),
          head_(std::move(head)),
          request_(std::move(request)),
          done_(std::move(done)),
          started_(steady_clock::now()),
          deadline_(started_ + pool_->settings().timeout) {}

    void start() {
        if (auto idle = pool_->take_idle()) {
            stream_ = std::move(idle);
            reused_ = true;
            do_write();
        } else {
            do_connect();
        }
    }

private:
    void do_connect() {
        reused_ = false;
        stream_ = std::make_unique<upstream_stream>(pool_->context_);
        const auto connect_deadline = steady_clock::now() + pool_->settings().connect_timeout;
        stream_->expires_at(std::min(connect_deadline, deadline_));
        stream_->async_connect(pool_->settings().endpoints,
                               [self = shared_from_this()](beast::error_code ec, const auto&) {
                                   self->on_connect(ec);
                               });
    }

    void on_connect(beast::error_code ec) {
        if (ec) {
            return finish(ec == beast::error::timeout ? metrics::upstream_error::timeout
                                                      : metrics::upstream_error::connect_failed);
        }
        stream_->socket().set_option(tcp::no_delay{true}, ec);
        do_write();
    }

    void do_write() {
        stream_->expires_at(deadline_);
        beast::buffers_suffix<std::array<asio::const_buffer, 2>> pending{
            std::array<asio::const_buffer, 2>{asio::buffer(head_), asio::buffer(request_->body)}};
        // A rest or an error goes the async way, so completions never run inside exchange().
        if (write_now(stream_->socket(), pending)) {
            return do_read();
        }
        asio::async_write(
            *stream_, pending,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
    }

    void on_write(beast::error_code ec) {
        if (ec) {
            if (retry_if_stale(ec, false)) {
                return;
            }
            return finish(classify(ec));
        }
        do_read();
    }

    // keep_buffered: bytes after an interim answer belong to the next one.
    void do_read(bool keep_buffered = false) {
        parser_.emplace();
        parser_->body_limit(pool_->settings().max_response_bytes);
        parser_->skip(request_->is_head);
        if (!keep_buffered) {
            buffer_.clear();
        }
        http::async_read(
            *stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) {
            if (retry_if_stale(ec, parser_->got_some())) {
                return;
            }
            return finish(classify(ec));
        }
        // Interim answers (100 Continue, 103 Early Hints) come before the final one (RFC 9110
        // §15.2); a 101 is not one, it ends as bad_response when the head is built.
        if (const unsigned status = parser_->get().result_int();
            status >= 100 && status < 200 && status != 101) {
            return do_read(true);
        }
        const bool reusable = parser_->keep_alive() && buffer_.size() == 0;
        result_.response = parser_->release();
        if (reusable) {
            pool_->give_back(std::move(stream_));
        }
        stream_.reset();
        finish(std::nullopt);
    }

    // A pooled connection the upstream closed while it sat idle fails before any response
    // byte: the request was not processed, so one fresh attempt is safe.
    bool retry_if_stale(const beast::error_code& ec, bool got_response_bytes) {
        if (!reused_ || retried_ || got_response_bytes || !is_peer_closed(ec) ||
            steady_clock::now() >= deadline_) {
            return false;
        }
        retried_ = true;
        do_connect();
        return true;
    }

    void finish(std::optional<metrics::upstream_error> error) {
        if (error && stream_) {
            beast::error_code ignored;
            stream_->socket().close(ignored);
        }
        result_.error = error;
        result_.latency = steady_clock::now() - started_;
        auto done = std::move(done_);
        done(std::move(result_));
    }

    std::shared_ptr<upstream_pool> pool_;
    std::string head_;
    std::shared_ptr<const forwarded_request> request_;
    exchange_handler done_;
    steady_clock::time_point started_;
    steady_clock::time_point deadline_;
    std::unique_ptr<upstream_stream> stream_;
    beast::flat_buffer buffer_;
    std::optional<http::response_parser<http::string_body>> parser_;
    upstream_result result_;
    bool reused_ = false;
    bool retried_ = false;
};

upstream_pool::upstream_pool(asio::io_context& context, upstream_settings settings)
    : context_(context), settings_(std::move(settings)) {}

void upstream_pool::exchange(std::string head, std::shared_ptr<const forwarded_request> request,
                             exchange_handler done) {
    std::make_shared<upstream_exchange>(shared_from_this(), std::move(head), std::move(request),
                                        std::move(done))
        ->start();
}

std::unique_ptr<upstream_stream> upstream_pool::take_idle() {
    if (idle_.empty()) {
        return nullptr;
    }
    auto stream = std::move(idle_.back());
    idle_.pop_back();
    return stream;
}

void upstream_pool::give_back(std::unique_ptr<upstream_stream> stream) {
    if (idle_.size() >= settings_.max_idle) {
        return;
    }
    stream->expires_never();
    idle_.push_back(std::move(stream));
}

void upstream_pool::close_idle() {
    for (auto& stream : idle_) {
        beast::error_code ignored;
        stream->socket().close(ignored);
    }
    idle_.clear();
}

}  // namespace shadowproxy::upstream
