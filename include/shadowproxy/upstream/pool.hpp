// A pooled HTTP/1.1 client to one upstream, used for production (one pool per worker) and for
// each shadow (one pool on the mirror thread). open() gives a streamed exchange (the production
// relay reads the answer piece by piece); exchange() reads a whole answer keeping a bounded
// prefix of its body (the shadow path).
//
// A pool and its exchanges live on one io_context and are used only from its thread. Each
// exchange owns itself (shared_from_this) and holds the pool by shared_ptr, so a pool replaced on
// reload lives until its last exchange ends. An https:// upstream's connections are TLS
// (upstream_settings::tls): pooled with their sessions, and a new connection resumes the last
// session the pool saw. Failures never throw: they come back as
// upstream_result::error, classified as the error words of
// metrics::upstream_error.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shadowproxy/metrics/registry.hpp"
#include "shadowproxy/net/tls_context.hpp"
#include "shadowproxy/net/transport.hpp"
#include "shadowproxy/upstream/capture_observer.hpp"
#include "shadowproxy/upstream/forwarded_request.hpp"
#include "shadowproxy/upstream/resolver.hpp"

namespace shadowproxy::upstream {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using steady_clock = std::chrono::steady_clock;

// Plain TCP, or TLS over it for an https:// upstream.
using upstream_stream = net::transport;

struct upstream_settings {
    std::string name;
    std::string authority;                         // sent as Host
    std::string base_path;                         // prefixes every origin-form target ("" = none)
    std::shared_ptr<const resolved_name> address;  // the host, resolved off the data plane
    // The next three come from the upstream's config section, which holds their defaults.
    std::chrono::milliseconds connect_timeout{};
    // To the answer's head from the start of the exchange, then each wait for more body.
    std::chrono::milliseconds timeout{};
    std::size_t max_idle = 0;
    std::shared_ptr<net::client_tls> tls;  // https:// upstreams; null = plain TCP
    // protocol h2c (plain) or h2 (TLS, ALPN "h2"): HTTP/2 over a few multiplexed connections.
    bool http2 = false;
};

// Whether an answer is gRPC (content-type application/grpc…) and its grpc-status and
// grpc-message, from the trailers or, for a trailers-only answer, from the head.
struct grpc_answer {
    bool is_grpc = false;
    std::optional<int> status{};  // none when the answer carried no (valid) grpc-status
    std::string message;
};

// A whole answer as the shadow path keeps it.
struct upstream_result {
    std::optional<metrics::upstream_error> error;
    unsigned status = 0;
    std::string body;                  // at most the capture limit's first bytes of the body
    std::uint64_t bytes = 0;           // the whole body's length
    bool truncated = false;            // bytes > body.size()
    steady_clock::duration ttfb{};     // start → first response byte
    steady_clock::duration latency{};  // start → last byte (or the failure)
    grpc_answer grpc;                  // from the head and trailers
};

class exchange;
class http1_exchange;
class h2_client;

using exchange_handler = std::function<void(upstream_result&&)>;

class upstream_pool : public std::enable_shared_from_this<upstream_pool> {
public:
    upstream_pool(asio::io_context& context, upstream_settings settings);
    ~upstream_pool();
    upstream_pool(const upstream_pool&) = delete;
    upstream_pool& operator=(const upstream_pool&) = delete;

    // An exchange of `head` (an HTTP/1.1 request head, translated for an HTTP/2 upstream) and
    // the request's body, not started: an http1_exchange, or an h2_exchange for an h2c/h2
    // upstream. `timeout`, when given, caps the upstream's timeout for this exchange only (a
    // gRPC call's grpc-timeout): the head must come within it, and each wait for more body.
    std::shared_ptr<upstream::exchange> open(std::string head,
                                             std::shared_ptr<const forwarded_request> request,
                                             std::optional<std::chrono::milliseconds> timeout = {});

    // Sends `head` then the request's body and reads the whole answer, keeping at most
    // `capture_limit` bytes of its body; calls `done` on this pool's io_context. A pooled
    // connection found stale before any response byte is retried once on a fresh connection.
    // New connections go to the addresses the name resolves to now; while it has never
    // resolved, the exchange fails with dns_failed without touching the network.
    // `observer`, when given, sees the kept body bytes as they arrive (capture_observer.hpp).
    void exchange(std::string head, std::shared_ptr<const forwarded_request> request,
                  std::size_t capture_limit, exchange_handler done,
                  std::shared_ptr<capture_observer> observer = nullptr);

    const upstream_settings& settings() const { return settings_; }
    void close_idle();

private:
    friend class http1_exchange;
    friend class h2_client;
    friend class h2_exchange;
    // Streams are kept behind a pointer: moving a beast stream allocates a new impl with
    // fresh timers, which costs more than the rest of a pooled exchange's bookkeeping.
    struct idle_connection {
        std::unique_ptr<upstream_stream> stream;
        tcp::endpoint peer;
    };
    std::optional<idle_connection> take_idle();
    void give_back(std::unique_ptr<upstream_stream> stream, const tcp::endpoint& peer);
    // Picks up a new answer of the resolver (one atomic load when there is none) and closes
    // idle connections to addresses it no longer returns.
    void follow_addresses();
    bool current(const tcp::endpoint& peer) const;
    // TLS session resumption: the last resumable session, offered by every new connection.
    void remember_session(SSL* ssl);
    void offer_session(SSL* ssl) const;

    asio::io_context& context_;
    upstream_settings settings_;
    std::uint64_t generation_ = 0;
    std::shared_ptr<const endpoint_list> endpoints_;  // sorted; null until first resolved
    std::vector<idle_connection> idle_;
    std::shared_ptr<SSL_SESSION> session_;
    std::shared_ptr<h2_client> h2_;  // HTTP/2 upstreams: the multiplexed connections
};

// The gRPC side of a finished exchange (see grpc_answer).
grpc_answer grpc_of(const exchange& answer);

}  // namespace shadowproxy::upstream
