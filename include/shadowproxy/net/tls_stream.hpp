// TLS over a Beast TCP stream, with OpenSSL driven directly (tls_engine) instead of through
// Asio's ssl::stream: a read takes one socket read and one SSL_read, a write encrypts head and
// body into one record and sends it at once when the socket takes it (write_now), and nothing
// goes through Asio's per-operation engine loop, whose extra SSL calls, zero-length reads,
// posted completions and timers made TLS cost several times what OpenSSL itself does.
//
// Socket reads and async writes go through the TCP layer (next_layer()), so its timeouts bound
// the handshake and every record. One read and one write may be outstanding at once. Owned by
// a net::transport; used on its io_context's thread only. Errors are Asio's (ssl category,
// ssl::error::stream_truncated for a peer that closed without close_notify).
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <utility>

#include "shadowproxy/net/tls_engine.hpp"

namespace shadowproxy::net {

namespace asio = boost::asio;
namespace beast = boost::beast;

// On the io_context's own executor rather than any_io_executor: every operation, timer and
// handler would otherwise copy and dispatch through the polymorphic executor.
using tcp_layer = beast::basic_stream<asio::ip::tcp, asio::io_context::executor_type>;

class tls_stream {
public:
    using executor_type = tcp_layer::executor_type;
    using handshake_type = asio::ssl::stream_base::handshake_type;

    tls_stream(asio::io_context& context, asio::ssl::context& tls)
        : tcp_(context), engine_(std::make_unique<tls_engine>(tls.native_handle())) {}
    tls_stream(tcp_layer::socket_type&& socket, asio::ssl::context& tls)
        : tcp_(std::move(socket)), engine_(std::make_unique<tls_engine>(tls.native_handle())) {}

    tcp_layer& next_layer() { return tcp_; }
    SSL* native_handle() const { return engine_->native_handle(); }
    executor_type get_executor() { return tcp_.get_executor(); }

    template <typename Buffers, typename Handler>
    void async_read_some(const Buffers& buffers, Handler&& handler) {
        asio::mutable_buffer first;
        for (const asio::mutable_buffer b : beast::buffers_range_ref(buffers)) {
            if (b.size() > 0) {
                first = b;
                break;
            }
        }
        read_op<std::decay_t<Handler>>{*this, first, std::forward<Handler>(handler)}.start();
    }

    template <typename Buffers, typename Handler>
    void async_write_some(const Buffers& buffers, Handler&& handler) {
        write_op<Buffers, std::decay_t<Handler>> op{*this, beast::buffers_suffix<Buffers>(buffers),
                                                    0, std::forward<Handler>(handler)};
        beast::error_code ec;
        op.fill(ec);
        if (ec || !engine_->has_output()) {
            return complete(std::move(op.handler), ec, ec ? 0 : op.bytes);
        }
        op.flush();
    }

    template <typename Handler>
    void async_handshake(handshake_type type, Handler&& handler) {
        engine_->set_server(type == handshake_type::server);
        handshake_op<std::decay_t<Handler>>{*this, std::forward<Handler>(handler)}.step(true);
    }

    // Encrypts what `pending` holds and sends it without blocking; true when all of it went.
    // Otherwise the caller's async write sends the rest (what was encrypted first).
    template <typename Buffers>
    bool write_now(beast::buffers_suffix<Buffers>& pending) {
        beast::error_code ec;
        encrypt(pending, ec);
        if (!ec) {
            engine_->send_now(tcp_.socket(), ec);
        }
        return !ec && !engine_->has_output() && beast::buffer_bytes(pending) == 0;
    }

private:
    // Encrypts a bounded amount of `pending` (consumed), a short first buffer gathered with
    // what follows into one record. Returns the plaintext bytes taken.
    template <typename Buffers>
    std::size_t encrypt(beast::buffers_suffix<Buffers>& pending, beast::error_code& ec) {
        constexpr std::size_t max_output = 4 * tls_engine::max_record;
        std::size_t taken = 0;
        while (!ec && engine_->output_size() < max_output) {
            const std::size_t total = beast::buffer_bytes(pending);
            if (total == 0) {
                break;
            }
            asio::const_buffer first;
            for (const asio::const_buffer b : beast::buffers_range_ref(pending)) {
                if (b.size() > 0) {
                    first = b;
                    break;
                }
            }
            if (first.size() < total && first.size() < tls_engine::max_record) {
                auto flat = tls_engine::scratch(std::min(total, tls_engine::max_record));
                first = asio::buffer(flat.data(), asio::buffer_copy(flat, pending));
            } else {
                first = asio::buffer(first.data(), std::min(first.size(), tls_engine::max_record));
            }
            if (engine_->write(first.data(), first.size(), ec) == tls_engine::status::done) {
                pending.consume(first.size());
                taken += first.size();
            }
        }
        return taken;
    }

    // Completes from inside an initiating call: posted, never run there.
    template <typename Handler, typename... Args>
    void complete(Handler&& handler, Args... args) {
        asio::post(get_executor(),
                   beast::bind_front_handler(std::forward<Handler>(handler), args...));
    }

    template <typename Handler>
    struct read_op {
        tls_stream& stream;
        asio::mutable_buffer buffer;
        Handler handler;

        void start() {
            beast::error_code ec;
            std::size_t bytes = 0;
            if (buffer.size() == 0 ||
                (stream.engine_->has_input() &&
                 stream.engine_->read(buffer.data(), buffer.size(), bytes, ec) !=
                     tls_engine::status::need_input)) {
                return stream.complete(std::move(handler), ec, bytes);
            }
            wait();
        }
        void wait() {
            tls_stream& s = stream;
            s.tcp_.async_read_some(s.engine_->input_space(), std::move(*this));
        }
        void operator()(beast::error_code ec, std::size_t received) {
            auto& engine = *stream.engine_;
            engine.commit_input(received);
            std::size_t bytes = 0;
            if (ec) {
                return std::move(handler)(engine.map_read_error(ec), bytes);
            }
            if (engine.read(buffer.data(), buffer.size(), bytes, ec) ==
                tls_engine::status::need_input) {
                return wait();
            }
            // A read writes rarely (an alert, a key update): out now if it can, else with the
            // next write.
            beast::error_code ignored;
            engine.send_now(stream.tcp_.socket(), ignored);
            std::move(handler)(ec, bytes);
        }
    };

    template <typename Buffers, typename Handler>
    struct write_op {
        tls_stream& stream;
        beast::buffers_suffix<Buffers> rest;
        std::size_t bytes;
        Handler handler;

        // Encrypts what fits behind the output (some plaintext, unless an earlier write_now
        // left a full output) and sends what the socket takes now.
        void fill(beast::error_code& ec) {
            auto& engine = *stream.engine_;
            do {
                bytes += stream.encrypt(rest, ec);
                if (!ec) {
                    engine.send_now(stream.tcp_.socket(), ec);
                }
            } while (!ec && bytes == 0 && !engine.has_output() && beast::buffer_bytes(rest) > 0);
        }
        void flush() {
            tls_stream& s = stream;
            asio::async_write(s.tcp_, s.engine_->take_output(), std::move(*this));
        }
        void operator()(beast::error_code ec, std::size_t) {
            stream.engine_->sent();
            if (!ec && bytes == 0) {
                fill(ec);
            }
            if (!ec && stream.engine_->has_output()) {
                return flush();
            }
            std::move(handler)(ec, ec ? 0 : bytes);
        }
    };

    template <typename Handler>
    struct handshake_op {
        tls_stream& stream;
        Handler handler;
        bool reading = false;

        void step(bool initiating) {
            tls_stream& s = stream;
            auto& engine = *s.engine_;
            beast::error_code ec;
            const auto result = engine.handshake(ec);
            // Its flight goes out first, or the alert of a failure.
            beast::error_code send_ec;
            engine.send_now(s.tcp_.socket(), send_ec);
            if (result == tls_engine::status::failed || send_ec) {
                return finish(ec ? ec : send_ec, initiating);
            }
            if (engine.has_output()) {
                reading = false;
                return asio::async_write(s.tcp_, engine.take_output(), std::move(*this));
            }
            if (result == tls_engine::status::done) {
                return finish({}, initiating);
            }
            reading = true;
            s.tcp_.async_read_some(engine.input_space(), std::move(*this));
        }
        void operator()(beast::error_code ec, std::size_t received) {
            auto& engine = *stream.engine_;
            if (reading) {
                engine.commit_input(received);
                ec = engine.map_read_error(ec);
            } else {
                engine.sent();
            }
            if (ec) {
                return finish(ec, false);
            }
            step(false);
        }
        void finish(beast::error_code ec, bool initiating) {
            if (initiating) {
                return stream.complete(std::move(handler), ec);
            }
            std::move(handler)(ec);
        }
    };

    tcp_layer tcp_;
    std::unique_ptr<tls_engine> engine_;
};

}  // namespace shadowproxy::net
