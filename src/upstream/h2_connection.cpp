#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include "upstream/h2_client.hpp"
#include "upstream/h2_exchange.hpp"

namespace shadowproxy::upstream {

namespace {

// Each stream may hold this much unread body; the connection's window fits many such streams.
constexpr std::int32_t h2_stream_window = 256 * 1024;
constexpr std::int32_t h2_connection_window = 16 * 1024 * 1024;
// Streams per connection before the peer's SETTINGS arrive, and at most after.
constexpr std::uint32_t h2_assumed_streams = 100;
constexpr std::uint32_t h2_most_streams = 1000;
// The writes gathered from nghttp2 before one goes out.
constexpr std::size_t h2_write_batch = 64 * 1024;

std::string_view h2_text(const std::uint8_t* data, std::size_t length) {
    return {reinterpret_cast<const char*>(data), length};
}

struct h2_session_callbacks {
    nghttp2_session_callbacks* callbacks = nullptr;
    ~h2_session_callbacks() { nghttp2_session_callbacks_del(callbacks); }
};

}  // namespace

nghttp2_session_callbacks* h2_connection::callbacks() {
    static const h2_session_callbacks shared = [] {
        h2_session_callbacks made;
        nghttp2_session_callbacks_new(&made.callbacks);
        nghttp2_session_callbacks_set_on_header_callback(made.callbacks, &h2_connection::on_header);
        nghttp2_session_callbacks_set_on_frame_recv_callback(made.callbacks,
                                                             &h2_connection::on_frame);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(made.callbacks,
                                                                  &h2_connection::on_data);
        nghttp2_session_callbacks_set_on_stream_close_callback(made.callbacks,
                                                               &h2_connection::on_stream_close);
        return made;
    }();
    return shared.callbacks;
}

h2_connection::h2_connection(h2_client& owner, asio::io_context& context,
                             const upstream_settings& settings)
    : owner_(&owner),
      tls_(settings.tls),
      name_(settings.name),
      connect_timeout_(settings.connect_timeout),
      handshake_timeout_(settings.timeout) {
    stream_ = tls_ ? std::make_unique<upstream_stream>(context, tls_->context)
                   : std::make_unique<upstream_stream>(context);
    nghttp2_option* option = nullptr;
    nghttp2_option_new(&option);
    nghttp2_option_set_no_auto_window_update(option, 1);
    nghttp2_option_set_peer_max_concurrent_streams(option, h2_assumed_streams);
    nghttp2_session_client_new2(&session_, callbacks(), this, option);
    nghttp2_option_del(option);
    const std::array<nghttp2_settings_entry, 2> entries{
        nghttp2_settings_entry{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        nghttp2_settings_entry{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, h2_stream_window}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, entries.data(), entries.size());
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, h2_connection_window);
}

h2_connection::~h2_connection() {
    stream_->close();
    nghttp2_session_del(session_);
}

std::size_t h2_connection::capacity() const {
    const std::uint32_t peer =
        nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
    return std::min(peer, h2_most_streams);
}

void h2_connection::connect(std::shared_ptr<const endpoint_list> endpoints) {
    endpoints_ = std::move(endpoints);
    stream_->tcp().expires_after(connect_timeout_);
    stream_->tcp().async_connect(
        *endpoints_, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
            self->on_connect(ec);
        });
}

void h2_connection::on_connect(beast::error_code ec) {
    endpoints_.reset();
    if (dead_) {
        return;
    }
    if (ec) {
        return close(ec == beast::error::timeout ? upstream_error::timeout
                                                 : upstream_error::connect_failed);
    }
    stream_->socket().set_option(tcp::no_delay{true}, ec);
    if (!tls_) {
        return on_handshake({});
    }
    tls_->prepare(stream_->native_handle());
    stream_->tcp().expires_after(handshake_timeout_);
    stream_->async_handshake(upstream_stream::handshake_type::client,
                             [self = shared_from_this()](beast::error_code handshake_ec) {
                                 self->on_handshake(handshake_ec);
                             });
}

void h2_connection::on_handshake(beast::error_code ec) {
    if (dead_) {
        return;
    }
    if (ec == beast::error::timeout) {
        return close(upstream_error::timeout);
    }
    if (ec) {
        tls_->log_failure(name_, stream_->native_handle(), ec);
        return close(upstream_error::tls_failed);
    }
    if (tls_) {
        const unsigned char* selected = nullptr;
        unsigned int length = 0;
        SSL_get0_alpn_selected(stream_->native_handle(), &selected, &length);
        if (h2_text(selected, length) != "h2") {
            spdlog::warn(
                "upstream {}: the TLS server did not select HTTP/2 (ALPN h2); "
                "set protocol: http1 for it",
                name_);
            return close(upstream_error::tls_failed);
        }
    }
    stream_->tcp().expires_never();
    ready_ = true;
    do_read();
    flush();
}

std::int32_t h2_connection::submit(h2_exchange& exchange, const std::vector<nghttp2_nv>& fields,
                                   bool with_body) {
    nghttp2_data_provider body{};
    body.read_callback = &h2_connection::read_body;
    const std::int32_t id = nghttp2_submit_request(session_, nullptr, fields.data(), fields.size(),
                                                   with_body ? &body : nullptr, nullptr);
    if (id > 0) {
        streams_.emplace(id, &exchange);
        flush();
    }
    return id;
}

void h2_connection::forget(std::int32_t stream_id, bool reset, std::size_t unconsumed) {
    if (streams_.erase(stream_id) == 0 && !reset && unconsumed == 0) {
        return;
    }
    if (unconsumed > 0) {
        give_back(stream_id, unconsumed);
    }
    if (reset && !dead_) {
        nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
    }
    flush();
}

void h2_connection::consume(std::int32_t stream_id, std::size_t bytes) {
    give_back(stream_id, bytes);
    flush();
}

void h2_connection::give_back(std::int32_t stream_id, std::size_t bytes) {
    if (dead_) {
        return;
    }
    // A closed stream's bytes still count against the connection's window.
    if (nghttp2_session_consume(session_, stream_id, bytes) != 0) {
        nghttp2_session_consume_connection(session_, bytes);
    }
}

h2_exchange* h2_connection::find(std::int32_t stream_id) const {
    const auto it = streams_.find(stream_id);
    return it == streams_.end() ? nullptr : it->second;
}

int h2_connection::on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                             std::size_t name_length, const std::uint8_t* value,
                             std::size_t value_length, std::uint8_t, void* self) {
    if (frame->hd.type != NGHTTP2_HEADERS) {
        return 0;
    }
    if (auto* exchange = static_cast<h2_connection*>(self)->find(frame->hd.stream_id)) {
        exchange->on_header(h2_text(name, name_length), h2_text(value, value_length));
    }
    return 0;
}

int h2_connection::on_frame(nghttp2_session*, const nghttp2_frame* frame, void* self) {
    auto& connection = *static_cast<h2_connection*>(self);
    const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    switch (frame->hd.type) {
        case NGHTTP2_HEADERS:
            if (auto* exchange = connection.find(frame->hd.stream_id)) {
                exchange->on_headers_end(end_stream);
            }
            break;
        case NGHTTP2_DATA:
            if (auto* exchange = connection.find(frame->hd.stream_id); exchange && end_stream) {
                exchange->on_end_stream();
            }
            break;
        case NGHTTP2_GOAWAY:
            // Streams above last_stream_id are closed by nghttp2 (REFUSED_STREAM); the rest
            // finish here, and new ones go to another connection.
            connection.goaway_ = true;
            if (connection.owner_ != nullptr) {
                connection.owner_->retire(&connection);
            }
            break;
        default:
            break;
    }
    return 0;
}

int h2_connection::on_data(nghttp2_session*, std::uint8_t, std::int32_t stream_id,
                           const std::uint8_t* data, std::size_t length, void* self) {
    auto& connection = *static_cast<h2_connection*>(self);
    if (auto* exchange = connection.find(stream_id)) {
        exchange->on_data(h2_text(data, length));
    } else {
        connection.give_back(stream_id, length);
    }
    return 0;
}

int h2_connection::on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t code,
                                   void* self) {
    auto& connection = *static_cast<h2_connection*>(self);
    if (auto* exchange = connection.find(stream_id)) {
        connection.streams_.erase(stream_id);
        exchange->on_stream_closed(code);
    }
    return 0;
}

ssize_t h2_connection::read_body(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buffer,
                                 std::size_t length, std::uint32_t* flags, nghttp2_data_source*,
                                 void* self) {
    auto* exchange = static_cast<h2_connection*>(self)->find(stream_id);
    if (exchange == nullptr) {
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets a stream nobody waits for
    }
    bool last = false;
    const std::size_t n = exchange->read_body(buffer, length, last);
    if (last) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    return static_cast<ssize_t>(n);
}

void h2_connection::do_read() {
    stream_->async_read_some(
        asio::buffer(read_buffer_),
        [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void h2_connection::on_read(beast::error_code ec, std::size_t bytes) {
    if (dead_) {
        return;
    }
    if (bytes > 0) {
        receiving_ = true;
        const auto used = nghttp2_session_mem_recv(
            session_, reinterpret_cast<const std::uint8_t*>(read_buffer_.data()), bytes);
        receiving_ = false;
        if (used < 0) {
            return close(upstream_error::bad_response);
        }
    }
    if (dead_) {
        return;
    }
    if (ec) {
        return close(upstream_error::reset);
    }
    flush();
    if (!dead_) {
        do_read();
    }
}

void h2_connection::flush() {
    if (!ready_ || writing_ || dead_ || receiving_) {
        return;
    }
    outgoing_.clear();
    while (outgoing_.size() < h2_write_batch) {
        const std::uint8_t* data = nullptr;
        const auto n = nghttp2_session_mem_send(session_, &data);
        if (n < 0) {
            return close(upstream_error::bad_response);
        }
        if (n == 0) {
            break;
        }
        outgoing_.append(h2_text(data, static_cast<std::size_t>(n)));
    }
    if (outgoing_.empty()) {
        if (nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0) {
            close(upstream_error::reset);  // GOAWAY exchanged and every stream done
        }
        return;
    }
    writing_ = true;
    asio::async_write(*stream_, asio::buffer(outgoing_),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          self->writing_ = false;
                          if (self->dead_) {
                              return;
                          }
                          if (ec) {
                              return self->close(upstream_error::reset);
                          }
                          self->flush();
                      });
}

void h2_connection::close(upstream_error error) {
    if (dead_) {
        return;
    }
    dead_ = true;
    const auto self = shared_from_this();
    if (owner_ != nullptr) {
        owner_->retire(this);
    }
    stream_->close();
    auto streams = std::move(streams_);
    streams_.clear();
    for (const auto& [id, exchange] : streams) {
        exchange->on_connection_failed(error);
    }
}

h2_client::~h2_client() {
    close_all();
}

std::shared_ptr<h2_connection> h2_client::pick() {
    pool_.follow_addresses();
    if (!pool_.endpoints_ || pool_.endpoints_->empty()) {
        return nullptr;
    }
    h2_connection* least = nullptr;
    std::shared_ptr<h2_connection> chosen;
    for (const auto& connection : connections_) {
        if (connection->accepting() &&
            (least == nullptr || connection->active() < least->active())) {
            least = connection.get();
            chosen = connection;
        }
    }
    if (chosen &&
        (chosen->active() < chosen->capacity() || connections_.size() >= max_connections)) {
        return chosen;
    }
    auto fresh = std::make_shared<h2_connection>(*this, pool_.context_, pool_.settings_);
    connections_.push_back(fresh);
    fresh->connect(pool_.endpoints_);
    return fresh;
}

void h2_client::retire(const h2_connection* connection) {
    std::erase_if(connections_, [connection](const std::shared_ptr<h2_connection>& c) {
        return c.get() == connection;
    });
}

void h2_client::close_idle() {
    auto idle = connections_;
    for (const auto& connection : idle) {
        if (connection->active() == 0) {
            connection->close(upstream_error::reset);
        }
    }
}

void h2_client::close_all() {
    auto all = std::move(connections_);
    connections_.clear();
    for (const auto& connection : all) {
        connection->detach();
        connection->close(upstream_error::reset);
    }
}

}  // namespace shadowproxy::upstream
