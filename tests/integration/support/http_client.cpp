#include "support/http_client.hpp"

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <optional>

namespace shadowproxy::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string find_header(const header_list& headers, const std::string& name) {
    for (const auto& [key, value] : headers) {
        if (beast::iequals(key, name)) {
            return value;
        }
    }
    return {};
}

}  // namespace

std::string http_response::header(const std::string& name) const {
    return find_header(headers, name);
}

bool http_response::has_header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
        if (beast::iequals(key, name)) {
            return true;
        }
    }
    return false;
}

struct http_connection::impl {
    asio::io_context context;
    beast::tcp_stream stream{context};
    beast::flat_buffer buffer;
    bool connected = false;
    std::string connect_error;
};

http_connection::http_connection(unsigned short port) : impl_(std::make_unique<impl>()) {
    beast::error_code ec;
    impl_->stream.socket().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    impl_->connected = !ec;
    if (ec) {
        impl_->connect_error = ec.message();
    }
}

http_connection::~http_connection() = default;

bool http_connection::connected() const {
    return impl_->connected;
}

http_response http_connection::send(const std::string& method, const std::string& target,
                                    const std::string& body, const header_list& headers,
                                    std::chrono::milliseconds timeout) {
    http_response out;
    if (!impl_->connected) {
        out.error = "not connected: " + impl_->connect_error;
        return out;
    }
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.method_string(method);
    request.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) {
        request.insert(name, value);
    }
    request.body() = body;
    if (!body.empty() || method == "POST" || method == "PUT") {
        request.prepare_payload();
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    parser.skip(method == "HEAD");
    beast::error_code result = asio::error::timed_out;
    bool done = false;
    impl_->context.restart();
    http::async_write(impl_->stream, request, [&](beast::error_code ec, std::size_t) {
        if (ec) {
            result = ec;
            done = true;
            return;
        }
        http::async_read(impl_->stream, impl_->buffer, parser,
                         [&](beast::error_code read_ec, std::size_t) {
                             result = read_ec;
                             done = true;
                         });
    });
    impl_->context.run_for(timeout);
    if (!done) {
        beast::error_code ignored;
        impl_->stream.socket().close(ignored);
        impl_->context.restart();
        impl_->context.run_for(std::chrono::milliseconds(100));
        impl_->connected = false;
        out.error = "timed out";
        return out;
    }
    if (result) {
        impl_->connected = false;
        out.error = result.message();
        return out;
    }
    const auto& response = parser.get();
    out.status = response.result_int();
    for (const auto& field : response) {
        out.headers.emplace_back(std::string{field.name_string()}, std::string{field.value()});
    }
    out.body = response.body();
    if (!response.keep_alive()) {
        impl_->connected = false;
    }
    return out;
}

http_response http_request(unsigned short port, const std::string& method,
                           const std::string& target, const std::string& body,
                           const header_list& headers, std::chrono::milliseconds timeout) {
    http_connection connection{port};
    return connection.send(method, target, body, headers, timeout);
}

std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds timeout) {
    asio::io_context context;
    tcp::socket socket{context};
    beast::error_code ec;
    socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) {
        return {};
    }
    std::string received;
    std::array<char, 4096> chunk{};
    std::function<void()> do_read = [&] {
        socket.async_read_some(asio::buffer(chunk), [&](beast::error_code read_ec, std::size_t n) {
            received.append(chunk.data(), n);
            if (!read_ec) {
                do_read();
            }
        });
    };
    // Read even when the write fails: the peer may have answered and closed early.
    asio::async_write(socket, asio::buffer(bytes),
                      [&](beast::error_code, std::size_t) { do_read(); });
    context.run_for(timeout);
    return received;
}

unsigned first_status(const std::string& raw) {
    if (raw.size() < 12 || raw.compare(0, 5, "HTTP/") != 0) {
        return 0;
    }
    return static_cast<unsigned>(std::atoi(raw.substr(9, 3).c_str()));
}

}  // namespace shadowproxy::testing
