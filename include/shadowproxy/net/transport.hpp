// One connection's byte stream, plain TCP or TLS over it, behind one type: it models Asio's
// AsyncReadStream and AsyncWriteStream, so Beast's reads and writes, the client session, the
// response relay and the upstream exchange have one code path whatever the transport. Timeouts
// are the TCP layer's (tcp()); they bound the TLS handshake and records too.
//
// Owned by whoever owns the connection (a client session, an upstream exchange or pool); used
// only on its io_context's thread. Failures come back as error codes, never thrown; TLS errors
// are in asio's ssl category (ssl::error::stream_truncated when a peer closed without notify).
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <utility>
#include <variant>

#include "shadowproxy/net/tls_stream.hpp"

namespace shadowproxy::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// tls_stream rather than Asio's ssl::stream: a fraction of its CPU per record (see there).
using tls_layer = tls_stream;

class transport {
public:
    using executor_type = asio::io_context::executor_type;
    using socket_type = tcp_layer::socket_type;
    using handshake_type = asio::ssl::stream_base::handshake_type;

    // Plain TCP, not connected yet (upstreams) or accepted (clients).
    explicit transport(asio::io_context& context)
        : layer_(std::in_place_type<tcp_layer>, context) {}
    explicit transport(socket_type&& socket)
        : layer_(std::in_place_type<tcp_layer>, std::move(socket)) {}
    // TLS with `tls`, which must outlive this transport (holders keep it by shared_ptr).
    transport(asio::io_context& context, asio::ssl::context& tls)
        : layer_(std::in_place_type<tls_layer>, context, tls) {}
    transport(socket_type&& socket, asio::ssl::context& tls)
        : layer_(std::in_place_type<tls_layer>, std::move(socket), tls) {}

    executor_type get_executor() { return tcp().get_executor(); }

    // The TCP layer: timeouts (expires_after/at/never), connect, the socket.
    tcp_layer& tcp() {
        if (auto* tls = std::get_if<tls_layer>(&layer_)) {
            return tls->next_layer();
        }
        return std::get<tcp_layer>(layer_);
    }
    socket_type& socket() { return tcp().socket(); }
    bool is_tls() const { return std::holds_alternative<tls_layer>(layer_); }
    // The OpenSSL connection of a TLS transport (SNI, verification, sessions), else null.
    SSL* native_handle() {
        auto* tls = std::get_if<tls_layer>(&layer_);
        return tls ? tls->native_handle() : nullptr;
    }

    template <typename Buffers, typename Token>
    auto async_read_some(const Buffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(beast::error_code, std::size_t)>(
            [this](auto handler, const Buffers& b) {
                if (auto* tls = std::get_if<tls_layer>(&layer_)) {
                    return tls->async_read_some(b, std::move(handler));
                }
                std::get<tcp_layer>(layer_).async_read_some(b, std::move(handler));
            },
            token, buffers);
    }

    template <typename Buffers, typename Token>
    auto async_write_some(const Buffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(beast::error_code, std::size_t)>(
            [this](auto handler, const Buffers& b) {
                if (auto* tls = std::get_if<tls_layer>(&layer_)) {
                    return tls->async_write_some(b, std::move(handler));
                }
                std::get<tcp_layer>(layer_).async_write_some(b, std::move(handler));
            },
            token, buffers);
    }

    // TLS only (a plain transport completes at once with no error).
    template <typename Token>
    auto async_handshake(handshake_type type, Token&& token) {
        return asio::async_initiate<Token, void(beast::error_code)>(
            [this, type](auto handler) {
                if (auto* tls = std::get_if<tls_layer>(&layer_)) {
                    return tls->async_handshake(type, std::move(handler));
                }
                asio::post(get_executor(), [handler = std::move(handler)]() mutable {
                    handler(beast::error_code{});
                });
            },
            token);
    }

    // The synchronous first attempt of a write: what the socket takes now, without an async
    // operation or a timer; true when all of `pending` went. An error or a rest is left for the
    // caller's async write (for TLS: records encrypted but not sent go first).
    template <typename Buffers>
    bool write_now(beast::buffers_suffix<Buffers>& pending) {
        if (auto* tls = std::get_if<tls_layer>(&layer_)) {
            return tls->write_now(pending);
        }
        auto& sock = socket();
        beast::error_code ec;
        if (!sock.non_blocking()) {
            sock.non_blocking(true, ec);  // an ioctl, once per connection
        }
        if (ec) {
            return false;
        }
        pending.consume(sock.write_some(pending, ec));
        return !ec && beast::buffer_bytes(pending) == 0;
    }

    // Closes the socket (no TLS close_notify: every message is framed, and waiting for the
    // peer's answer would only hold the connection).
    void close() {
        beast::error_code ignored;
        socket().shutdown(tcp::socket::shutdown_both, ignored);
        socket().close(ignored);
    }

private:
    std::variant<tcp_layer, tls_layer> layer_;
};

}  // namespace shadowproxy::net
