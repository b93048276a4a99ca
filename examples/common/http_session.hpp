// The request-reading half both example servers' sessions share (Beast's async server rhythm):
// a fresh parser with a body limit per request, the idle timer re-armed before each read, and
// Derived::on_request() once a request is in request_. Derived answers, then calls do_read()
// again (keep-alive) or close_send().
//
// Each session owns itself through shared_from_this and runs on its socket's strand only. A
// closed, timed-out or garbage connection just ends; nothing throws.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

namespace shadowproxy::examples {

template <typename Derived>
class http_session : public std::enable_shared_from_this<Derived> {
public:
    void start() {
        boost::asio::dispatch(stream_.get_executor(),
                              [self = this->shared_from_this()] { self->do_read(); });
    }

protected:
    using tcp = boost::asio::ip::tcp;
    using string_request = boost::beast::http::request<boost::beast::http::string_body>;

    // Generous bounds: demo servers, but they still must not be held open or fed forever.
    static constexpr auto idle_timeout = std::chrono::seconds(60);

    http_session(tcp::socket&& socket, std::uint64_t max_body_bytes)
        : stream_(std::move(socket)), timer_(stream_.get_executor()), max_body_(max_body_bytes) {}

    void do_read() {
        parser_.emplace();
        parser_->body_limit(max_body_);
        stream_.expires_after(idle_timeout);
        boost::beast::http::async_read(
            stream_, buffer_, *parser_,
            [self = this->shared_from_this()](boost::beast::error_code ec, std::size_t) {
                if (ec == boost::beast::http::error::end_of_stream) {
                    return self->close_send();
                }
                if (ec) {
                    return;  // timeout, reset or garbage: the connection just goes away
                }
                self->request_ = self->parser_->release();
                self->on_request();
            });
    }

    void close_send() {
        boost::beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }

    boost::beast::tcp_stream stream_;
    boost::asio::steady_timer timer_;
    string_request request_;

private:
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::uint64_t max_body_;
};

}  // namespace shadowproxy::examples
