#include "support/fake_upstream.hpp"

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <set>

#include "shadowproxy/net/transport.hpp"

namespace shadowproxy::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string received_request::header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
        if (beast::iequals(key, name)) {
            return value;
        }
    }
    return {};
}

bool received_request::has_header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
        if (beast::iequals(key, name)) {
            return true;
        }
    }
    return false;
}

struct fake_upstream::impl {
    asio::io_context context{1};
    tcp::acceptor acceptor{context};
    std::unique_ptr<asio::ssl::context> tls;
    std::size_t handshakes = 0;  // under mutex, like the SNI name
    std::size_t resumed = 0;
    std::string server_name;
    std::thread thread;
    mutable std::mutex mutex;
    script behaviour;
    std::vector<received_request> requests;
    bool log_bodies = true;
    std::set<std::shared_ptr<void>> held;  // connections that must outlive their handlers
};

namespace {

using net::transport;

class session : public std::enable_shared_from_this<session> {
public:
    session(transport::socket_type&& socket, fake_upstream::impl& owner, std::mutex& mutex,
            script& behaviour, std::vector<received_request>& log)
        : stream_(owner.tls ? transport(std::move(socket), *owner.tls)
                            : transport(std::move(socket))),
          timer_(stream_.get_executor()),
          owner_(owner),
          mutex_(mutex),
          behaviour_(behaviour),
          log_(log) {}

    void start() {
        if (!owner_.tls) {
            return do_read();
        }
        stream_.async_handshake(transport::handshake_type::server,
                                [self = shared_from_this()](beast::error_code ec) {
                                    if (ec) {
                                        return self->stream_.close();
                                    }
                                    self->on_handshake();
                                });
    }

    void do_read() {
        parser_.emplace();
        parser_->body_limit(64 * 1024 * 1024);
        http::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

private:
    void on_handshake() {
        SSL* ssl = stream_.native_handle();
        const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        {
            std::lock_guard lock(mutex_);
            ++owner_.handshakes;
            owner_.resumed += SSL_session_reused(ssl) == 1 ? 1 : 0;
            owner_.server_name = name != nullptr ? name : "";
        }
        do_read();
    }

    void on_read(beast::error_code ec) {
        if (ec) {
            return finish();
        }
        const auto& message = parser_->get();
        received_request request;
        request.method = std::string{message.method_string()};
        request.target = std::string{message.target()};
        for (const auto& field : message) {
            request.headers.emplace_back(std::string{field.name_string()},
                                         std::string{field.value()});
        }
        request.body = message.body();
        keep_alive_ = message.keep_alive();
        head_request_ = message.method() == http::verb::head;
        {
            std::lock_guard lock(mutex_);
            reply_ = behaviour_ ? behaviour_(request) : reply{};
            if (!owner_.log_bodies) {
                request.body.clear();
            }
            log_.push_back(std::move(request));
        }
        timer_.expires_after(reply_.delay);
        timer_.async_wait([self = shared_from_this()](beast::error_code) { self->act(); });
    }

    void act() {
        beast::error_code ignored;
        switch (reply_.action) {
            case reply::kind::reset:
                stream_.socket().set_option(asio::socket_base::linger(true, 0), ignored);
                stream_.socket().close(ignored);
                return finish();
            case reply::kind::close:
                stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                stream_.socket().close(ignored);
                return finish();
            case reply::kind::never: {
                std::lock_guard lock(mutex_);
                owner_.held.insert(shared_from_this());
                return;
            }
            case reply::kind::raw:
                raw_ = reply_.raw_bytes;
                asio::async_write(stream_, asio::buffer(raw_),
                                  [self = shared_from_this()](beast::error_code, std::size_t) {
                                      beast::error_code e;
                                      self->stream_.socket().shutdown(tcp::socket::shutdown_both,
                                                                      e);
                                      self->stream_.socket().close(e);
                                      self->finish();
                                  });
                return;
            case reply::kind::normal:
                break;
        }
        response_ = {};
        response_.version(11);
        response_.result(reply_.status);
        for (const auto& [name, value] : reply_.headers) {
            response_.insert(name, value);
        }
        response_.body() = reply_.body;
        response_.keep_alive(keep_alive_);
        response_.prepare_payload();
        if (head_request_) {
            response_.body().clear();
        }
        http::async_write(stream_, response_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec || !self->keep_alive_) {
                                  beast::error_code e;
                                  self->stream_.socket().shutdown(tcp::socket::shutdown_both, e);
                                  return self->finish();
                              }
                              self->do_read();
                          });
    }

    void finish() {}

    transport stream_;
    asio::steady_timer timer_;
    fake_upstream::impl& owner_;
    std::mutex& mutex_;
    script& behaviour_;
    std::vector<received_request>& log_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> response_;
    reply reply_;
    std::string raw_;
    bool keep_alive_ = true;
    bool head_request_ = false;
};

}  // namespace

fake_upstream::fake_upstream(script behaviour, std::optional<fake_tls> tls)
    : impl_(std::make_unique<impl>()), tls_(tls.has_value()) {
    impl_->behaviour = std::move(behaviour);
    if (tls) {
        impl_->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
        impl_->tls->use_certificate_chain_file(tls->cert_file);
        impl_->tls->use_private_key_file(tls->key_file, asio::ssl::context::pem);
        if (!tls->client_ca_file.empty()) {
            impl_->tls->load_verify_file(tls->client_ca_file);
            impl_->tls->set_verify_mode(asio::ssl::verify_peer |
                                        asio::ssl::verify_fail_if_no_peer_cert);
        }
        static constexpr unsigned char session_context[] = "fake";
        SSL_CTX_set_session_id_context(impl_->tls->native_handle(), session_context,
                                       sizeof(session_context) - 1);
    }
    const tcp::endpoint where{asio::ip::make_address("127.0.0.1"), 0};
    impl_->acceptor.open(where.protocol());
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl_->acceptor.bind(where);
    impl_->acceptor.listen();
    port_ = impl_->acceptor.local_endpoint().port();
    auto accept = std::make_shared<std::function<void()>>();
    *accept = [this, accept_ref = std::weak_ptr<std::function<void()>>(accept)] {
        impl_->acceptor.async_accept(
            impl_->context,
            [this, accept_ref](beast::error_code ec, transport::socket_type socket) {
                if (ec) {
                    return;
                }
                connections_.fetch_add(1);
                std::make_shared<session>(std::move(socket), *impl_, impl_->mutex, impl_->behaviour,
                                          impl_->requests)
                    ->start();
                if (auto again = accept_ref.lock()) {
                    (*again)();
                }
            });
    };
    (*accept)();
    impl_->thread = std::thread([this, accept] { impl_->context.run(); });
}

fake_upstream::~fake_upstream() {
    impl_->context.stop();
    if (impl_->thread.joinable()) {
        impl_->thread.join();
    }
}

void fake_upstream::set_log_bodies(bool keep) {
    std::lock_guard lock(impl_->mutex);
    impl_->log_bodies = keep;
}

void fake_upstream::set_script(script behaviour) {
    std::lock_guard lock(impl_->mutex);
    impl_->behaviour = std::move(behaviour);
}

std::size_t fake_upstream::handshakes() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->handshakes;
}

std::size_t fake_upstream::resumed_handshakes() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->resumed;
}

std::string fake_upstream::server_name() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->server_name;
}

std::size_t fake_upstream::request_count() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->requests.size();
}

std::vector<received_request> fake_upstream::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->requests;
}

unsigned short closed_port() {
    asio::io_context context;
    tcp::acceptor acceptor{context, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
    return acceptor.local_endpoint().port();
}

}  // namespace shadowproxy::testing
