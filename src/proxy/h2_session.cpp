#include "shadowproxy/proxy/h2_session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/write.hpp>

#include "shadowproxy/proxy/h2_stream.hpp"
#include "shadowproxy/proxy/worker.hpp"

namespace shadowproxy::proxy {

namespace {

// Frames gathered for one write; reading pauses while a write this large is pending.
constexpr std::size_t h2_output_high = 64 * 1024;

h2_session& session_of(void* user) {
    return *static_cast<h2_session*>(user);
}

}  // namespace

h2_session::h2_session(worker& owner, client_stream&& stream,
                       std::shared_ptr<asio::ssl::context> tls, std::string client_address)
    : worker_(owner),
      tls_(std::move(tls)),
      stream_(std::move(stream)),
      client_address_(std::move(client_address)),
      timer_(owner.context()) {
    worker_.add(this);
}

h2_session::~h2_session() {
    nghttp2_session_del(session_);
    worker_.remove(this);
    worker_.shared().connections.fetch_sub(1, std::memory_order_relaxed);
}

void h2_session::setup_callbacks() {
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
    nghttp2_session_server_new(&session_, callbacks, this);
    nghttp2_session_callbacks_del(callbacks);
}

void h2_session::start(std::string_view already_read) {
    setup_callbacks();
    const auto& limits = worker_.snapshot().config->limits;
    const std::array<nghttp2_settings_entry, 3> settings{{
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
         static_cast<std::uint32_t>(limits.h2_max_concurrent_streams)},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
         static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header_bytes, UINT32_MAX))},
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
    }};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
    if (worker_.draining()) {
        close_if_idle();
    }
    arm_timer();
    feed(reinterpret_cast<const std::uint8_t*>(already_read.data()), already_read.size());
}

void h2_session::feed(const std::uint8_t* data, std::size_t size) {
    const auto self = shared_from_this();
    if (size != 0) {
        const auto used = nghttp2_session_mem_recv(session_, data, size);
        if (used < 0) {
            spdlog::debug("HTTP/2 connection from {} failed: {}", client_address_,
                          nghttp2_strerror(static_cast<int>(used)));
            nghttp2_session_terminate_session(session_, NGHTTP2_PROTOCOL_ERROR);
        }
    }
    flush();
    do_read();
}

void h2_session::do_read() {
    if (reading_ || closed_ || (writing_ && output_.size() >= h2_output_high) ||
        nghttp2_session_want_read(session_) == 0) {
        return;
    }
    reading_ = true;
    stream_.async_read_some(
        asio::buffer(read_buffer_),
        [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void h2_session::on_read(beast::error_code ec, std::size_t bytes) {
    reading_ = false;
    if (ec || closed_) {
        return close();  // peer closed, reset, or the session was closed meanwhile
    }
    arm_timer();
    feed(read_buffer_.data(), bytes);
}

void h2_session::flush() {
    if (writing_ || closed_) {
        return;
    }
    output_.clear();
    while (output_.size() < h2_output_high) {
        const std::uint8_t* data = nullptr;
        const auto n = nghttp2_session_mem_send(session_, &data);
        if (n < 0) {
            spdlog::debug("HTTP/2 connection from {}: {}", client_address_,
                          nghttp2_strerror(static_cast<int>(n)));
            return close();
        }
        if (n == 0) {
            break;
        }
        output_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
    if (output_.empty()) {
        return close_when_done();
    }
    writing_ = true;
    asio::async_write(
        stream_, asio::buffer(output_),
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void h2_session::on_write(beast::error_code ec) {
    writing_ = false;
    if (ec) {
        return close();
    }
    arm_timer();
    flush();
    do_read();
}

// Both sides are done (GOAWAY exchanged or sent after the last stream): the connection goes.
void h2_session::close_when_done() {
    if (nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0) {
        close();
    }
}

void h2_session::arm_timer() {
    if (closed_) {
        return;
    }
    const auto& limits = worker_.snapshot().config->limits;
    timer_.expires_after(served_ ? limits.idle_timeout : limits.header_timeout);
    timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
        if (auto self = weak.lock(); self && !ec) {
            self->on_timer();
        }
    });
}

// No byte read or written for the whole timeout: a stalled write ends the connection; streams
// waiting on production keep it (production's own timeouts bound them); otherwise it is idle
// (or never sent a request) and goes with GOAWAY.
void h2_session::on_timer() {
    if (closed_) {
        return;
    }
    if (writing_) {
        return close();
    }
    for (const auto& [id, stream] : streams_) {
        if (stream->waiting_on_production()) {
            return arm_timer();
        }
    }
    nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
    flush();
}

void h2_session::close_if_idle() {
    if (closed_ || draining_) {
        return;
    }
    draining_ = true;
    nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                          nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                          nullptr, 0);
    flush();
}

void h2_session::close() {
    if (closed_) {
        return;
    }
    closed_ = true;
    timer_.cancel();
    stream_.close();
    // Streams still in flight learn that their client is gone; pending production callbacks
    // keep them (and this session) alive until they return.
    auto streams = std::move(streams_);
    streams_.clear();
    for (auto& [id, stream] : streams) {
        stream->on_closed();
    }
}

h2_stream* h2_session::stream_of(std::int32_t id) {
    const auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : it->second.get();
}

int h2_session::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto& self = session_of(user);
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
        self.streams_.emplace(
            frame->hd.stream_id,
            std::make_shared<h2_stream>(self.shared_from_this(), frame->hd.stream_id));
    }
    return 0;
}

int h2_session::on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                          std::size_t name_length, const std::uint8_t* value,
                          std::size_t value_length, std::uint8_t, void* user) {
    if (auto* stream = session_of(user).stream_of(frame->hd.stream_id)) {
        stream->on_header({reinterpret_cast<const char*>(name), name_length},
                          {reinterpret_cast<const char*>(value), value_length},
                          frame->headers.cat != NGHTTP2_HCAT_REQUEST);
    }
    return 0;
}

int h2_session::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto& self = session_of(user);
    auto* stream = self.stream_of(frame->hd.stream_id);
    if (stream == nullptr) {
        return 0;
    }
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
        self.served_ = true;
        stream->on_headers_end();
    }
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
        stream->on_request_end();
    }
    return 0;
}

int h2_session::on_data_chunk(nghttp2_session*, std::uint8_t, std::int32_t stream_id,
                              const std::uint8_t* data, std::size_t length, void* user) {
    if (auto* stream = session_of(user).stream_of(stream_id)) {
        stream->on_data(data, length);
    }
    return 0;
}

int h2_session::on_frame_send(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    const bool ends = (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
                      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    if (!ends) {
        return 0;
    }
    auto* stream = session_of(user).stream_of(frame->hd.stream_id);
    if (stream != nullptr && stream->reset_after_answer() &&
        nghttp2_session_get_stream_remote_close(session, frame->hd.stream_id) == 0) {
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                  NGHTTP2_NO_ERROR);
    }
    return 0;
}

int h2_session::on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t,
                                void* user) {
    auto& self = session_of(user);
    const auto it = self.streams_.find(stream_id);
    if (it != self.streams_.end()) {
        const auto stream = std::move(it->second);
        self.streams_.erase(it);
        stream->on_closed();
    }
    return 0;
}

}  // namespace shadowproxy::proxy
