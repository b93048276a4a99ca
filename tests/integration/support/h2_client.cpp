#include "support/h2_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/steady_timer.hpp>

#include "common/h2_client_connection.hpp"
#include "shadowproxy/net/transport.hpp"

namespace shadowproxy::testing {

namespace asio = boost::asio;

struct h2_connection::impl {
    asio::io_context context;
    std::optional<asio::ssl::context> ssl;
    std::optional<net::transport> stream;
    std::optional<examples::h2_client_connection<net::transport>> connection;
    std::string error;

    bool closed() const { return !connection || connection->closed(); }
};

h2_connection::h2_connection(unsigned short port, const tls_client* tls)
    : impl_(std::make_unique<impl>()) {
    auto& self = *impl_;
    if (tls == nullptr) {
        self.stream.emplace(self.context);
    } else {
        self.ssl.emplace(asio::ssl::context::tls_client);
        self.ssl->load_verify_file(tls->ca_file);
        self.ssl->set_verify_mode(asio::ssl::verify_peer);
        static constexpr unsigned char protocols[] = "\x02h2";
        SSL_CTX_set_alpn_protos(self.ssl->native_handle(), protocols, sizeof(protocols) - 1);
        self.stream.emplace(self.context, *self.ssl);
        SSL* handle = self.stream->native_handle();
        SSL_ctrl(handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(tls->server_name.c_str()));
        SSL_set1_host(handle, tls->server_name.c_str());
    }
    boost::system::error_code ec;
    self.stream->socket().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec && tls != nullptr) {
        auto result = std::make_shared<boost::system::error_code>(asio::error::timed_out);
        self.stream->async_handshake(net::transport::handshake_type::client,
                                     [result](boost::system::error_code e) { *result = e; });
        self.context.run_for(default_timeout);
        ec = *result;
    }
    if (ec) {
        self.error = ec.message();
        return;
    }
    self.connection.emplace(*self.stream);
    self.connection->start();
}

h2_connection::~h2_connection() {
    if (impl_->stream) {
        impl_->stream->close();
    }
}

bool h2_connection::connected() const {
    return !impl_->closed();
}

const std::string& h2_connection::error() const {
    if (impl_->error.empty() && impl_->connection) {
        return impl_->connection->error();
    }
    return impl_->error;
}

std::string h2_connection::alpn() const {
    SSL* ssl = impl_->stream->native_handle();
    const unsigned char* data = nullptr;
    unsigned int length = 0;
    if (ssl != nullptr) {
        SSL_get0_alpn_selected(ssl, &data, &length);
    }
    return data == nullptr ? std::string{}
                           : std::string(reinterpret_cast<const char*>(data), length);
}

std::vector<h2_response> h2_connection::exchange(const std::vector<h2_request>& requests,
                                                 std::chrono::milliseconds timeout) {
    auto& self = *impl_;
    std::vector<h2_response> out(requests.size());
    if (self.closed()) {
        for (auto& response : out) {
            response.closed = true;
        }
        return out;
    }
    auto& connection = *self.connection;
    auto& session = connection.session();
    std::vector<std::unique_ptr<asio::steady_timer>> timers;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const auto& request = requests[i];
        examples::h2_call call;
        call.method = request.method;
        call.scheme = self.ssl ? "https" : "http";
        call.authority = request.authority;
        call.path = request.path;
        call.headers = request.headers;
        call.body = request.body;
        const std::int32_t id = session.submit(call, out[i]);
        if (id < 0) {
            out[i].closed = true;
            continue;
        }
        if (request.reset_after) {
            auto timer = std::make_unique<asio::steady_timer>(self.context, *request.reset_after);
            timer->async_wait([&connection, id](boost::system::error_code ec) {
                if (!ec) {
                    connection.session().cancel(id);
                    connection.flush();
                }
            });
            timers.push_back(std::move(timer));
        }
    }
    connection.flush();
    connection.run_until(
        self.context, [&session] { return session.open_streams() == 0; }, timeout);
    for (auto& timer : timers) {
        timer->cancel();
    }
    session.forget();
    return out;
}

std::uint32_t h2_connection::max_concurrent_streams() const {
    return impl_->connection ? impl_->connection->session().max_concurrent_streams() : 0;
}

bool h2_connection::goaway_received() const {
    return impl_->connection && impl_->connection->session().goaway_received();
}

bool h2_connection::wait_closed(std::chrono::milliseconds timeout) {
    if (impl_->closed()) {
        return true;
    }
    impl_->connection->run_until(
        impl_->context, [] { return false; }, timeout);
    return impl_->connection->closed();
}

}  // namespace shadowproxy::testing
