#include "shadowproxy/admin/admin_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <stdexcept>

#include "shadowproxy/net/transport.hpp"

namespace shadowproxy::admin {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

// Admin requests are small and come from operators and scrapers: tight, fixed bounds.
constexpr auto admin_io_timeout = std::chrono::seconds(30);
constexpr std::uint32_t admin_header_limit = 16384;
constexpr std::uint64_t admin_body_limit = 4096;

class admin_session : public std::enable_shared_from_this<admin_session> {
public:
    admin_session(net::transport::socket_type&& socket,
                  std::shared_ptr<boost::asio::ssl::context> tls,
                  std::shared_ptr<const route_function> routes)
        : tls_(std::move(tls)),
          stream_(tls_ ? net::transport(std::move(socket), *tls_)
                       : net::transport(std::move(socket))),
          routes_(std::move(routes)) {}

    void start() {
        stream_.tcp().expires_after(admin_io_timeout);
        stream_.async_handshake(net::transport::handshake_type::server,
                                [self = shared_from_this()](beast::error_code ec) {
                                    if (ec) {
                                        return self->close();
                                    }
                                    self->do_read();
                                });
    }

private:
    void do_read() {
        parser_.emplace();
        parser_->header_limit(admin_header_limit);
        parser_->body_limit(admin_body_limit);
        stream_.tcp().expires_after(admin_io_timeout);
        http::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec == http::error::body_limit) {
            return respond({413, "text/plain; charset=utf-8", "body too large\n", {}}, false);
        }
        if (ec) {
            return close();
        }
        const auto& message = parser_->get();
        const bool head = message.method() == http::verb::head;
        const std::string_view target = message.target();
        const std::string_view method = message.method_string();
        const request in{head ? std::string_view{"GET"} : method,
                         target.substr(0, target.find('?')), message[http::field::authorization],
                         message.body()};
        respond((*routes_)(in), head);
    }

    void respond(page result, bool head) {
        const bool keep_alive = parser_->is_done() && parser_->get().keep_alive();
        response_ = {};
        response_.version(11);
        response_.keep_alive(keep_alive);
        response_.result(result.status);
        response_.set(http::field::content_type, result.content_type);
        response_.set(http::field::cache_control, "no-store");
        for (const auto& [name, value] : result.headers) {
            response_.set(name, value);
        }
        response_.body() = std::move(result.body);
        response_.prepare_payload();
        if (head) {
            response_.body().clear();
        }
        stream_.tcp().expires_after(admin_io_timeout);
        http::async_write(stream_, response_,
                          [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                              self->on_write(write_ec);
                          });
    }

    void on_write(beast::error_code ec) {
        if (ec || !response_.keep_alive()) {
            return close();
        }
        do_read();
    }

    void close() { stream_.close(); }

    std::shared_ptr<boost::asio::ssl::context> tls_;
    net::transport stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> response_;
    std::shared_ptr<const route_function> routes_;
};

}  // namespace

admin_server::admin_server(boost::asio::io_context& context, route_function routes)
    : context_(context),
      acceptor_(context),
      routes_(std::make_shared<const route_function>(std::move(routes))) {}

admin_server::~admin_server() {
    stop();
}

tcp::endpoint admin_server::listen(const tcp::endpoint& where) {
    beast::error_code ec;
    acceptor_.open(where.protocol(), ec);
    if (!ec) {
        acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        acceptor_.bind(where, ec);
    }
    if (!ec) {
        acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        throw std::runtime_error("cannot listen on admin address " + where.address().to_string() +
                                 ":" + std::to_string(where.port()) + ": " + ec.message());
    }
    return acceptor_.local_endpoint();
}

void admin_server::start() {
    do_accept();
}

void admin_server::stop() {
    beast::error_code ignored;
    acceptor_.close(ignored);
}

void admin_server::do_accept() {
    acceptor_.async_accept(
        context_, [this](beast::error_code ec, net::transport::socket_type socket) {
            if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open()) {
                return;
            }
            if (!ec) {
                std::make_shared<admin_session>(std::move(socket), tls_, routes_)->start();
            }
            do_accept();
        });
}

}  // namespace shadowproxy::admin
