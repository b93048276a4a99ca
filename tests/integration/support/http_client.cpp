#include "support/http_client.hpp"

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <optional>

#include "shadowproxy/net/transport.hpp"

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
    explicit impl(const tls_client* tls) {
        if (tls == nullptr) {
            stream.emplace(context);
            return;
        }
        ssl.emplace(asio::ssl::context::tls_client);
        ssl->load_verify_file(tls->ca_file);
        ssl->set_verify_mode(asio::ssl::verify_peer);
        if (!tls->cert_file.empty()) {
            ssl->use_certificate_chain_file(tls->cert_file);
            ssl->use_private_key_file(tls->key_file, asio::ssl::context::pem);
        }
        static constexpr unsigned char protocols[] = "\x08http/1.1";
        SSL_CTX_set_alpn_protos(ssl->native_handle(), protocols, sizeof(protocols) - 1);
        stream.emplace(context, *ssl);
        SSL* handle = stream->native_handle();
        SSL_ctrl(handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(tls->server_name.c_str()));
        SSL_set1_host(handle, tls->server_name.c_str());
    }

    asio::io_context context;
    std::optional<asio::ssl::context> ssl;
    std::optional<net::transport> stream;
    beast::flat_buffer buffer;
    bool connected = false;
    std::string connect_error;
};

http_connection::http_connection(unsigned short port, const tls_client* tls)
    : impl_(std::make_unique<impl>(tls)) {
    beast::error_code ec;
    impl_->stream->socket().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec && tls != nullptr) {
        // Shared with the handler, which may outlive this wait when the handshake hangs.
        auto result = std::make_shared<beast::error_code>(asio::error::timed_out);
        impl_->stream->async_handshake(
            net::transport::handshake_type::client,
            [result](beast::error_code handshake_ec) { *result = handshake_ec; });
        impl_->context.run_for(default_timeout);
        ec = *result;
    }
    impl_->connected = !ec;
    if (ec) {
        impl_->connect_error = ec.message();
        impl_->stream->close();
    }
}

std::string http_connection::peer_name() const {
    SSL* ssl = impl_->stream->native_handle();
    X509* cert = ssl != nullptr ? SSL_get1_peer_certificate(ssl) : nullptr;
    if (cert == nullptr) {
        return {};
    }
    std::array<char, 256> name{};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name.data(),
                              static_cast<int>(name.size()));
    X509_free(cert);
    return name.data();
}

std::string http_connection::alpn() const {
    SSL* ssl = impl_->stream->native_handle();
    const unsigned char* data = nullptr;
    unsigned int length = 0;
    if (ssl != nullptr) {
        SSL_get0_alpn_selected(ssl, &data, &length);
    }
    return data != nullptr ? std::string(reinterpret_cast<const char*>(data), length) : "";
}

std::string http_connection::error() const {
    return impl_->connect_error;
}

void http_connection::write_raw(const std::string& bytes) {
    beast::error_code ignored;
    asio::write(impl_->stream->socket(), asio::buffer(bytes), ignored);
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
    http::async_write(*impl_->stream, request, [&](beast::error_code ec, std::size_t) {
        if (ec) {
            result = ec;
            done = true;
            return;
        }
        http::async_read(*impl_->stream, impl_->buffer, parser,
                         [&](beast::error_code read_ec, std::size_t) {
                             result = read_ec;
                             done = true;
                         });
    });
    impl_->context.run_for(timeout);
    if (!done) {
        impl_->stream->close();
        impl_->context.restart();
        impl_->context.run_for(std::chrono::milliseconds(100));
        impl_->connected = false;
        out.error = "timed out";
        return out;
    }
    if (result) {
        impl_->connected = false;
        out.error = result.message();
        impl_->connect_error = out.error;
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

http_response https_request(unsigned short port, const tls_client& tls, const std::string& method,
                            const std::string& target, const std::string& body,
                            std::chrono::milliseconds timeout) {
    http_connection connection{port, &tls};
    return connection.send(method, target, body, {}, timeout);
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
