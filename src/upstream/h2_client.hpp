// HTTP/2 to one upstream (protocol h2c or h2): a few multiplexed connections per pool, each an
// nghttp2 client session driven by Asio (h2_connection), and the choice of the connection a new
// stream goes to (h2_client). Streams go to the least busy live connection while it has room
// under the peer's MAX_CONCURRENT_STREAMS; when every connection is full a new one is opened, up
// to max_connections; beyond that nghttp2 queues the stream on the least busy one until a stream
// ends.
//
// Owned by its upstream_pool; every object here lives on the pool's io_context thread only.
// Connection failures are reported to every stream on it (h2_exchange::on_connection_failed)
// as error words; nothing throws beyond std::bad_alloc.
#pragma once

#include <nghttp2/nghttp2.h>

#include <array>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "shadowproxy/upstream/exchange.hpp"
#include "shadowproxy/upstream/pool.hpp"

namespace shadowproxy::upstream {

class h2_exchange;
class h2_client;

class h2_connection : public std::enable_shared_from_this<h2_connection> {
public:
    h2_connection(h2_client& owner, asio::io_context& context, const upstream_settings& settings);
    ~h2_connection();
    h2_connection(const h2_connection&) = delete;
    h2_connection& operator=(const h2_connection&) = delete;

    // Connects to one of `endpoints` (TLS: shakes hands and requires ALPN h2), then sends the
    // connection preface and whatever streams were submitted meanwhile.
    void connect(std::shared_ptr<const endpoint_list> endpoints);
    // Opens a stream for `exchange` with these request fields; its body (when `with_body`) is
    // read from the exchange's request. Returns the stream id, or a negative nghttp2 error.
    std::int32_t submit(h2_exchange& exchange, const std::vector<nghttp2_nv>& fields,
                        bool with_body);
    // The exchange of `stream_id` is done with it: its `unconsumed` received bytes are given back
    // to the flow-control windows, and with `reset` the stream is reset (CANCEL).
    void forget(std::int32_t stream_id, bool reset, std::size_t unconsumed);
    // The caller took `bytes` of the stream's body: the peer may send that much more.
    void consume(std::int32_t stream_id, std::size_t bytes);

    std::size_t active() const { return streams_.size(); }
    // Open for new streams: not failed, no GOAWAY received.
    bool accepting() const { return !dead_ && !goaway_; }
    // Streams the peer accepts at once (its SETTINGS, capped).
    std::size_t capacity() const;
    bool ready() const { return ready_; }
    // Closes the connection: every stream on it fails with `error`; the owner forgets it.
    void close(upstream_error error);
    void detach() { owner_ = nullptr; }

private:
    static nghttp2_session_callbacks* callbacks();
    static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                         std::size_t name_length, const std::uint8_t* value,
                         std::size_t value_length, std::uint8_t flags, void* self);
    static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* self);
    static int on_data(nghttp2_session*, std::uint8_t flags, std::int32_t stream_id,
                       const std::uint8_t* data, std::size_t length, void* self);
    static int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t code,
                               void* self);
    static ssize_t read_body(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buffer,
                             std::size_t length, std::uint32_t* flags, nghttp2_data_source*,
                             void* self);

    h2_exchange* find(std::int32_t stream_id) const;
    void on_connect(beast::error_code ec);
    void on_handshake(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    // Sends what nghttp2 has queued, one write at a time; closes a session that is done.
    void flush();
    void give_back(std::int32_t stream_id, std::size_t bytes);

    h2_client* owner_;
    std::shared_ptr<net::client_tls> tls_;
    std::string name_;
    std::chrono::milliseconds connect_timeout_;
    std::chrono::milliseconds handshake_timeout_;
    std::unique_ptr<upstream_stream> stream_;
    std::shared_ptr<const endpoint_list> endpoints_;  // kept alive while connecting
    nghttp2_session* session_ = nullptr;
    std::unordered_map<std::int32_t, h2_exchange*> streams_;
    std::array<char, 16384> read_buffer_{};
    std::string outgoing_;
    bool writing_ = false;
    bool receiving_ = false;  // inside mem_recv: nghttp2 must not be re-entered to send
    bool ready_ = false;
    bool goaway_ = false;
    bool dead_ = false;
};

class h2_client {
public:
    static constexpr std::size_t max_connections = 4;

    explicit h2_client(upstream_pool& pool) : pool_(pool) {}
    ~h2_client();
    h2_client(const h2_client&) = delete;
    h2_client& operator=(const h2_client&) = delete;

    // The connection a new stream goes to, opening one when all are full; null while the
    // upstream's name has never resolved.
    std::shared_ptr<h2_connection> pick();
    // The connection takes no new streams (GOAWAY or failure): it leaves the list.
    void retire(const h2_connection* connection);
    void close_idle();
    void close_all();
    std::size_t connections() const { return connections_.size(); }

private:
    upstream_pool& pool_;
    std::vector<std::shared_ptr<h2_connection>> connections_;
};

}  // namespace shadowproxy::upstream
