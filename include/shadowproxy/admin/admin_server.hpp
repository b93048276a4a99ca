// The admin listener (SPEC §6): a small HTTP/1.1 server, separate from client traffic, that
// answers GET and HEAD (anything else → 405) by asking a route function for the page.
//
// Runs on the io_context it is given (the application's control thread); the route function is
// called on that thread. Failures to bind throw std::runtime_error naming the address.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace shadowproxy::admin {

struct page {
    unsigned status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
};

// Given the path (query string removed), returns the page; unknown paths → 404.
using route_function = std::function<page(std::string_view path)>;

class admin_server {
public:
    admin_server(boost::asio::io_context& context, route_function routes);
    ~admin_server();

    boost::asio::ip::tcp::endpoint listen(const boost::asio::ip::tcp::endpoint& where);
    void start();
    void stop();

private:
    void do_accept();

    boost::asio::ip::tcp::acceptor acceptor_;
    std::shared_ptr<const route_function> routes_;
};

}  // namespace shadowproxy::admin
