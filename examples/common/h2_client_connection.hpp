// Drives an h2_client_session over a connected Asio stream (a TCP socket for h2c, a TLS stream
// for h2): writes what the session queues, feeds it what the server sends, and runs the caller's
// io_context until a condition holds, the connection closes or a deadline passes.
//
// Shared by examples/grpc_replay and the integration tests' h2_client. The stream, the
// io_context and this object belong to one thread, which runs the io_context only inside
// run_until(). A read or write error closes the connection (closed()); a protocol error from the
// server also sets error(). Nothing throws but std::bad_alloc.
#pragma once

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "common/h2_client_session.hpp"

namespace shadowproxy::examples {

template <typename Stream>
class h2_client_connection {
public:
    // `stream` is connected (and its handshake done); it must outlive this object.
    explicit h2_client_connection(Stream& stream) : stream_(stream) {}

    // Sends the preface and SETTINGS and starts reading.
    void start() {
        flush();
        do_read();
    }

    h2_client_session& session() { return session_; }
    bool closed() const { return closed_; }
    const std::string& error() const { return error_; }

    // Writes what the session has queued (call after submit() or cancel()).
    void flush() {
        if (writing_ || closed_) {
            return;
        }
        output_.clear();
        session_.take_output(output_);
        if (output_.empty()) {
            return;
        }
        writing_ = true;
        boost::asio::async_write(stream_, boost::asio::buffer(output_),
                                 [this](boost::system::error_code ec, std::size_t) {
                                     writing_ = false;
                                     if (ec) {
                                         closed_ = true;
                                         return;
                                     }
                                     flush();
                                 });
    }

    // Runs `context` until done() holds, the connection closes or `timeout` passes.
    template <typename Done>
    void run_until(boost::asio::io_context& context, Done&& done,
                   std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        context.restart();
        while (!done() && !closed_) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) {
                break;
            }
            context.run_one_for(deadline - now);
        }
    }

private:
    void do_read() {
        if (reading_ || closed_) {
            return;
        }
        reading_ = true;
        stream_.async_read_some(boost::asio::buffer(buffer_),
                                [this](boost::system::error_code ec, std::size_t n) {
                                    reading_ = false;
                                    on_read(ec, n);
                                });
    }

    void on_read(boost::system::error_code ec, std::size_t n) {
        if (ec) {
            closed_ = true;
            return;
        }
        if (!session_.receive(buffer_.data(), n)) {
            error_ = "protocol error from the server";
            closed_ = true;
            return;
        }
        flush();
        do_read();
    }

    Stream& stream_;
    h2_client_session session_;
    std::array<std::uint8_t, 16384> buffer_{};
    std::string output_;
    bool writing_ = false;
    bool reading_ = false;
    bool closed_ = false;
    std::string error_;
};

}  // namespace shadowproxy::examples
