#include "shadowproxy/upstream/pool.hpp"

#include <algorithm>
#include <charconv>

#include "shadowproxy/upstream/http1_exchange.hpp"
#include "upstream/h2_client.hpp"
#include "upstream/h2_exchange.hpp"

namespace shadowproxy::upstream {

namespace {

// Reads a whole answer through an exchange, keeping a bounded prefix of its body.
class capture_reader : public std::enable_shared_from_this<capture_reader> {
public:
    capture_reader(std::shared_ptr<upstream::exchange> exchange, std::size_t capture_limit,
                   exchange_handler done, std::shared_ptr<capture_observer> observer)
        : exchange_(std::move(exchange)),
          capture_(capture_limit),
          done_(std::move(done)),
          observer_(std::move(observer)) {
        capture_.observe(observer_.get());
    }

    void start() {
        exchange_->start([self = shared_from_this()](std::optional<upstream_error> error) {
            if (error) {
                return self->finish(error);
            }
            self->pump();
        });
    }

private:
    void pump() {
        while (true) {
            const body_piece piece = exchange_->next_piece();
            switch (piece.what) {
                case body_piece::kind::data:
                    capture_.append(piece.data);
                    continue;
                case body_piece::kind::end:
                    return finish(std::nullopt);
                case body_piece::kind::need_read:
                    return exchange_->read_more(
                        [self = shared_from_this()](std::optional<upstream_error> error) {
                            if (error) {
                                return self->finish(error);
                            }
                            self->pump();
                        });
                case body_piece::kind::failed:
                    return finish(exchange_->error());
            }
        }
    }

    void finish(std::optional<upstream_error> error) {
        upstream_result result;
        result.error = error;
        result.ttfb = exchange_->ttfb();
        result.latency = exchange_->latency();
        if (!error) {
            result.status = exchange_->head().status;
            result.bytes = capture_.bytes();
            result.truncated = capture_.truncated();
            result.body = capture_.take();
            result.grpc = grpc_of(*exchange_);
        }
        auto done = std::move(done_);
        done(std::move(result));
    }

    std::shared_ptr<upstream::exchange> exchange_;
    body_capture capture_;
    exchange_handler done_;
    std::shared_ptr<capture_observer> observer_;
};

}  // namespace

upstream_pool::upstream_pool(asio::io_context& context, upstream_settings settings)
    : context_(context), settings_(std::move(settings)) {}

std::shared_ptr<upstream::exchange> upstream_pool::open(
    std::string head, std::shared_ptr<const forwarded_request> request,
    std::optional<std::chrono::milliseconds> timeout) {
    const auto limit = timeout ? std::min(*timeout, settings_.timeout) : settings_.timeout;
    if (settings_.http2) {
        if (!h2_) {
            h2_ = std::make_shared<h2_client>(*this);
        }
        return std::make_shared<h2_exchange>(shared_from_this(), h2_, std::move(head),
                                             std::move(request), limit);
    }
    return std::make_shared<http1_exchange>(shared_from_this(), std::move(head), std::move(request),
                                            limit);
}

upstream_pool::~upstream_pool() {
    if (h2_) {
        h2_->close_all();
    }
}

grpc_answer grpc_of(const exchange& answer) {
    grpc_answer out;
    const auto& head = answer.head().fields;
    const std::string_view type = head["content-type"];
    out.is_grpc = type.starts_with("application/grpc");
    if (!out.is_grpc) {
        return out;
    }
    // A trailers-only answer carries grpc-status in its head.
    const auto& trailers = answer.trailers();
    const auto& source = trailers.contains("grpc-status") ? trailers : head;
    const std::string_view status = source["grpc-status"];
    int value = 0;
    const auto [end, ec] = std::from_chars(status.data(), status.data() + status.size(), value);
    if (!status.empty() && ec == std::errc{} && end == status.data() + status.size()) {
        out.status = value;
    }
    out.message = std::string{source["grpc-message"]};
    return out;
}

void upstream_pool::exchange(std::string head, std::shared_ptr<const forwarded_request> request,
                             std::size_t capture_limit, exchange_handler done,
                             std::shared_ptr<capture_observer> observer) {
    std::make_shared<capture_reader>(open(std::move(head), std::move(request)), capture_limit,
                                     std::move(done), std::move(observer))
        ->start();
}

std::optional<upstream_pool::idle_connection> upstream_pool::take_idle() {
    if (idle_.empty()) {
        return std::nullopt;
    }
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return connection;
}

void upstream_pool::give_back(std::unique_ptr<upstream_stream> stream, const tcp::endpoint& peer) {
    follow_addresses();
    if (idle_.size() >= settings_.max_idle || !current(peer)) {
        return;  // closed as the stream is destroyed
    }
    stream->tcp().expires_never();
    idle_.push_back({std::move(stream), peer});
}

bool upstream_pool::current(const tcp::endpoint& peer) const {
    return endpoints_ && std::binary_search(endpoints_->begin(), endpoints_->end(), peer);
}

void upstream_pool::follow_addresses() {
    const std::uint64_t generation = settings_.address->generation();
    if (generation == generation_) {
        return;
    }
    generation_ = generation;
    endpoints_ = settings_.address->endpoints();
    std::erase_if(idle_, [this](const idle_connection& connection) {
        if (current(connection.peer)) {
            return false;
        }
        beast::error_code ignored;
        connection.stream->socket().close(ignored);
        return true;
    });
}

void upstream_pool::remember_session(SSL* ssl) {
    if (ssl == nullptr || (session_ && SSL_session_reused(ssl) == 1)) {
        return;
    }
    // TLS 1.3 sends its session tickets after the handshake: this runs once an answer was read.
    // A copy: OpenSSL marks a connection's own session unresumable when the connection is freed
    // without a close_notify, which is how pooled connections end.
    SSL_SESSION* current = SSL_get0_session(ssl);
    if (current == nullptr || SSL_SESSION_is_resumable(current) != 1) {
        return;
    }
    if (SSL_SESSION* copy = SSL_SESSION_dup(current)) {
        session_.reset(copy, SSL_SESSION_free);
    }
}

void upstream_pool::offer_session(SSL* ssl) const {
    if (session_) {
        SSL_set_session(ssl, session_.get());
    }
}

void upstream_pool::close_idle() {
    if (h2_) {
        h2_->close_idle();
    }
    for (auto& connection : idle_) {
        beast::error_code ignored;
        connection.stream->socket().close(ignored);
    }
    idle_.clear();
}

}  // namespace shadowproxy::upstream
