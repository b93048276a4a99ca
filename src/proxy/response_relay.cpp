#include "shadowproxy/proxy/response_relay.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <cstdio>

namespace shadowproxy::proxy {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

constexpr std::string_view crlf = "\r\n";
constexpr std::string_view relay_last_chunk = "0\r\n\r\n";

}  // namespace

response_relay::response_relay(client_stream& client,
                               std::shared_ptr<upstream::exchange> production, body_framing framing,
                               std::chrono::milliseconds write_timeout, std::size_t capture_limit)
    : client_(client),
      production_(std::move(production)),
      framing_(framing),
      write_timeout_(write_timeout),
      capture_(capture_limit) {}

void response_relay::start(std::string head, done_handler done) {
    head_ = std::move(head);
    done_ = std::move(done);
    pump();
}

void response_relay::pump() {
    const upstream::body_piece piece = production_->next_piece();
    switch (piece.what) {
        case upstream::body_piece::kind::data:
            capture_.append(piece.data);
            return do_write(piece.data, false);
        case upstream::body_piece::kind::end:
            return do_write({}, true);
        case upstream::body_piece::kind::need_read:
            // The head goes out before the first wait on production: a stream's client sees
            // its status and headers at once.
            if (!result_.head_sent) {
                return do_write({}, false);
            }
            return do_read();
        case upstream::body_piece::kind::failed:
            result_.production_error = production_->error();
            return finish();
    }
}

void response_relay::do_write(std::string_view piece, bool last) {
    const bool chunked = framing_ == body_framing::chunked;
    std::array<asio::const_buffer, 5> parts{};
    std::size_t count = 0;
    if (!result_.head_sent) {
        parts[count++] = asio::buffer(head_);
        result_.head_sent = true;
    }
    if (!piece.empty()) {
        if (chunked) {
            const int n =
                std::snprintf(chunk_line_.data(), chunk_line_.size(), "%zx\r\n", piece.size());
            parts[count++] = asio::buffer(chunk_line_.data(), static_cast<std::size_t>(n));
        }
        parts[count++] = asio::buffer(piece.data(), piece.size());
        if (chunked) {
            parts[count++] = asio::buffer(crlf.data(), crlf.size());
        }
    }
    if (last && chunked) {
        parts[count++] = asio::buffer(relay_last_chunk.data(), relay_last_chunk.size());
    }
    beast::buffers_suffix<std::array<asio::const_buffer, 5>> pending{parts};
    if (beast::buffer_bytes(pending) == 0) {
        return on_write({}, last);
    }
    // Most pieces fit the socket's send buffer: written right away they need no async operation
    // and no timer. A rest, or a full buffer (a slow client), goes the async way, and production
    // is not read again until it is written.
    if (client_.write_now(pending)) {
        return on_write({}, last);
    }
    client_.tcp().expires_after(write_timeout_);
    asio::async_write(client_, pending,
                      [self = shared_from_this(), last](beast::error_code ec, std::size_t) {
                          self->on_write(ec, last);
                      });
}

void response_relay::on_write(boost::system::error_code ec, bool last) {
    if (ec) {
        result_.client_failed = true;
        production_->cancel();
        return finish();
    }
    if (last) {
        return finish();
    }
    pump();
}

void response_relay::do_read() {
    production_->read_more([self = shared_from_this()](std::optional<upstream::upstream_error> e) {
        if (e) {
            self->result_.production_error = e;
            return self->finish();
        }
        self->pump();
    });
}

void response_relay::finish() {
    // The handler may drop the session's reference to this relay (the last one when the answer
    // was written synchronously inside start()).
    const auto self = shared_from_this();
    auto done = std::move(done_);
    done(result_);
}

}  // namespace shadowproxy::proxy
