// The admin listener: a small HTTP/1.1 server, separate from client traffic, that answers each
// request (GET and HEAD pages, and the few write endpoints; bodies up to 4 KiB) by asking a
// route function for the page.
//
// Runs on the io_context it is given (the application's control thread); the route function is
// called on that thread. Failures to bind throw std::runtime_error naming the address. With
// admin.tls it speaks HTTPS (the handshake bounded like every admin read).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shadowproxy::admin {

struct page {
    unsigned status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra ones (Allow, …)
};

struct request {
    std::string_view method;         // as sent, e.g. "GET"
    std::string_view path;           // the target without its query string
    std::string_view authorization;  // the Authorization header, or empty
    std::string_view body;
};

// Returns the page for a request; unknown paths → 404. HEAD is answered as GET without body.
using route_function = std::function<page(const request&)>;

class admin_server {
public:
    admin_server(boost::asio::io_context& context, route_function routes);
    ~admin_server();

    boost::asio::ip::tcp::endpoint listen(const boost::asio::ip::tcp::endpoint& where);
    void start();
    void stop();
    // admin.tls's context, or null for plain HTTP; connections accepted later use it.
    void set_tls(std::shared_ptr<boost::asio::ssl::context> tls) { tls_ = std::move(tls); }

private:
    void do_accept();

    boost::asio::io_context& context_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::shared_ptr<const route_function> routes_;
};

}  // namespace shadowproxy::admin
