// Relays production's answer to the client as it is read: the head as soon as it is known, then
// each body piece written before the next is read from production (backpressure both ways), so
// memory per response is a few buffers whatever its size and SSE events are never held. A
// chunked or close-delimited answer goes to an HTTP/1.1 client re-framed as chunked, one chunk
// per piece read (the upstream's own chunk framing is parsed, never forwarded); a Content-Length
// answer keeps its length. While relaying it keeps a bounded prefix for the comparator.
//
// Owned by the client session (shared_from_this keeps it alive across operations); runs on the
// session's worker thread only. Never throws: the result says whether production failed and
// whether the head had already gone out (then the session must close the connection, never
// answer 502 after a 200 head) or the client failed (the exchange is then cancelled).
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "shadowproxy/net/transport.hpp"
#include "shadowproxy/proxy/rewrite.hpp"
#include "shadowproxy/upstream/http1_exchange.hpp"

namespace shadowproxy::proxy {

// The client side's transport (plain TCP or TLS), for the session and the relay alike.
using client_stream = net::transport;

struct relay_result {
    std::optional<upstream::upstream_error> production_error;
    bool head_sent = false;
    bool client_failed = false;
};

class response_relay : public std::enable_shared_from_this<response_relay> {
public:
    using done_handler = std::function<void(const relay_result&)>;

    // capture_limit: bytes of the body kept for the comparator (0 when nothing compares it).
    response_relay(client_stream& client, std::shared_ptr<upstream::exchange> production,
                   body_framing framing, std::chrono::milliseconds write_timeout,
                   std::size_t capture_limit);

    // Writes `head`, then the body; `done` once the answer is complete or has failed.
    void start(std::string head, done_handler done);

    upstream::body_capture& capture() { return capture_; }

private:
    void pump();
    void do_write(std::string_view piece, bool last);
    void on_write(boost::system::error_code ec, bool last);
    void do_read();
    void finish();

    client_stream& client_;
    std::shared_ptr<upstream::exchange> production_;
    body_framing framing_;
    std::chrono::milliseconds write_timeout_;
    upstream::body_capture capture_;
    std::string head_;
    std::array<char, 24> chunk_line_{};
    done_handler done_;
    relay_result result_;
};

}  // namespace shadowproxy::proxy
