// One client connection speaking HTTP/2 (RFC 9113): h2c with prior knowledge (client_session saw
// the connection preface) or h2 negotiated through ALPN on the TLS listener. An nghttp2 server
// session driven by Asio: bytes read are fed to nghttp2_session_mem_recv, the frames nghttp2
// wants to send are drained from nghttp2_session_mem_send into one buffer written with one
// async write at a time; reading pauses while that buffer is full, so a client that does not
// read cannot grow the proxy's output. Each stream is an h2_stream (request → production →
// answer relayed as HEADERS + DATA under flow control).
//
// Limits: SETTINGS_MAX_CONCURRENT_STREAMS = limits.h2_max_concurrent_streams, header list size
// limits.max_header_bytes (announced and enforced per stream), the connection closed after
// header_timeout_ms without a first request and after idle_timeout_ms without progress while no
// stream waits on production. Drain (close_if_idle) sends GOAWAY and lets streams in flight
// finish.
//
// Owns itself through shared_from_this (and its streams keep it alive while their production
// exchanges run); lives on its worker's thread only. A protocol error ends the connection
// (nghttp2 sends GOAWAY); a bad stream is reset alone; nothing throws.
#pragma once

#include <nghttp2/nghttp2.h>

#include <array>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "shadowproxy/proxy/connection.hpp"
#include "shadowproxy/proxy/response_relay.hpp"

namespace shadowproxy::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;

class worker;
class h2_stream;

class h2_session : public connection, public std::enable_shared_from_this<h2_session> {
public:
    // Takes over a connection already counted in limits.max_connections (the destructor gives
    // the count back) and adds itself to the worker's list.
    h2_session(worker& owner, client_stream&& stream, std::shared_ptr<asio::ssl::context> tls,
               std::string client_address);
    ~h2_session() override;
    h2_session(const h2_session&) = delete;
    h2_session& operator=(const h2_session&) = delete;

    // Sends the server SETTINGS, feeds `already_read` (the preface and whatever followed it),
    // then reads on.
    void start(std::string_view already_read);
    void close_if_idle() override;
    void close() override;

    // For the streams.
    worker& owner() { return worker_; }
    nghttp2_session* nghttp() { return session_; }
    const std::string& client_address() const { return client_address_; }
    bool is_tls() const { return stream_.is_tls(); }
    bool closed() const { return closed_; }
    // Sends what nghttp2 has queued (after a stream submitted or resumed something).
    void flush();

private:
    void setup_callbacks();
    void feed(const std::uint8_t* data, std::size_t size);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void on_write(beast::error_code ec);
    void arm_timer();
    void on_timer();
    void close_when_done();

    static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user);
    static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                         std::size_t name_length, const std::uint8_t* value,
                         std::size_t value_length, std::uint8_t flags, void* user);
    static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user);
    static int on_data_chunk(nghttp2_session*, std::uint8_t flags, std::int32_t stream_id,
                             const std::uint8_t* data, std::size_t length, void* user);
    static int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user);
    static int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code,
                               void* user);
    h2_stream* stream_of(std::int32_t id);

    worker& worker_;
    std::shared_ptr<asio::ssl::context> tls_;  // kept for the connection's life
    client_stream stream_;
    std::string client_address_;
    nghttp2_session* session_ = nullptr;
    std::map<std::int32_t, std::shared_ptr<h2_stream>> streams_;
    asio::steady_timer timer_;
    std::array<std::uint8_t, 16384> read_buffer_{};
    std::string output_;  // the frames being written
    bool reading_ = false;
    bool writing_ = false;
    bool closed_ = false;
    bool draining_ = false;
    bool served_ = false;  // a request's headers came: idle_timeout applies, not header_timeout
};

}  // namespace shadowproxy::proxy
