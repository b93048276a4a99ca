#include "support/fake_h2_upstream.hpp"

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "shadowproxy/net/transport.hpp"

namespace shadowproxy::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct fake_h2_upstream::impl {
    // Before the io_context: the connections its handlers still hold use it until then.
    std::unique_ptr<asio::ssl::context> tls;
    asio::io_context context;
    asio::basic_socket_acceptor<tcp, asio::io_context::executor_type> acceptor{context};
    h2_script script;
    fake_h2_options options;
    std::atomic<std::size_t> connection_count{0};
    mutable std::mutex mutex;
    std::vector<received_request> received;
    std::thread thread;

    void accept();
};

namespace {

std::string_view h2_bytes(const std::uint8_t* data, std::size_t length) {
    return {reinterpret_cast<const char*>(data), length};
}

struct outgoing_stream {
    h2_reply reply;
    std::size_t sent = 0;
    std::vector<nghttp2_nv> trailer_fields;
};

class h2_server_connection : public std::enable_shared_from_this<h2_server_connection> {
public:
    h2_server_connection(fake_h2_upstream::impl* owner, std::unique_ptr<net::transport> stream)
        : owner_(owner), stream_(std::move(stream)), timer_(owner_->context) {
        nghttp2_session_callbacks* callbacks = nullptr;
        nghttp2_session_callbacks_new(&callbacks);
        nghttp2_session_callbacks_set_on_header_callback(callbacks, &on_header);
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &on_frame);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &on_data);
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &on_close);
        nghttp2_session_server_new(&session_, callbacks, this);
        nghttp2_session_callbacks_del(callbacks);
        const nghttp2_settings_entry entry{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
                                           owner_->options.max_concurrent_streams};
        nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, &entry, 1);
    }
    ~h2_server_connection() { nghttp2_session_del(session_); }

    void start() {
        if (!stream_->is_tls()) {
            return begin();
        }
        stream_->async_handshake(net::transport::handshake_type::server,
                                 [self = shared_from_this()](boost::system::error_code ec) {
                                     if (!ec) {
                                         self->begin();
                                     }
                                 });
    }

private:
    void begin() {
        read();
        flush();
    }

    void read() {
        stream_->async_read_some(
            asio::buffer(buffer_),
            [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                if (ec || nghttp2_session_mem_recv(
                              self->session_,
                              reinterpret_cast<const std::uint8_t*>(self->buffer_.data()), n) < 0) {
                    self->stream_->close();
                    return;
                }
                self->flush();
                self->read();
            });
    }

    void flush() {
        if (writing_) {
            return;
        }
        out_.clear();
        while (out_.size() < 65536) {
            const std::uint8_t* data = nullptr;
            const auto n = nghttp2_session_mem_send(session_, &data);
            if (n <= 0) {
                break;
            }
            out_.append(h2_bytes(data, static_cast<std::size_t>(n)));
        }
        if (out_.empty()) {
            if (nghttp2_session_want_read(session_) == 0 &&
                nghttp2_session_want_write(session_) == 0) {
                stream_->close();
            }
            return;
        }
        writing_ = true;
        asio::async_write(*stream_, asio::buffer(out_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                              self->writing_ = false;
                              if (!ec) {
                                  self->flush();
                              }
                          });
    }

    static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                         std::size_t name_length, const std::uint8_t* value,
                         std::size_t value_length, std::uint8_t, void* self) {
        auto& request = static_cast<h2_server_connection*>(self)->incoming_[frame->hd.stream_id];
        const std::string key{h2_bytes(name, name_length)};
        const std::string text{h2_bytes(value, value_length)};
        if (key == ":method") {
            request.method = text;
        } else if (key == ":path") {
            request.target = text;
        }
        request.headers.emplace_back(key, text);
        return 0;
    }

    static int on_data(nghttp2_session*, std::uint8_t, std::int32_t stream_id,
                       const std::uint8_t* data, std::size_t length, void* self) {
        static_cast<h2_server_connection*>(self)->incoming_[stream_id].body.append(
            h2_bytes(data, length));
        return 0;
    }

    static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* self) {
        if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
            (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
            static_cast<h2_server_connection*>(self)->on_request(frame->hd.stream_id);
        }
        return 0;
    }

    static int on_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t, void* self) {
        auto& connection = *static_cast<h2_server_connection*>(self);
        connection.incoming_.erase(stream_id);
        connection.outgoing_.erase(stream_id);
        return 0;
    }

    static ssize_t read_body(nghttp2_session* session, std::int32_t stream_id, std::uint8_t* buffer,
                             std::size_t length, std::uint32_t* flags, nghttp2_data_source*,
                             void* self) {
        auto& connection = *static_cast<h2_server_connection*>(self);
        const auto it = connection.outgoing_.find(stream_id);
        if (it == connection.outgoing_.end()) {
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        }
        auto& out = it->second;
        const std::size_t n = std::min(length, out.reply.body.size() - out.sent);
        std::memcpy(buffer, out.reply.body.data() + out.sent, n);
        out.sent += n;
        if (out.sent == out.reply.body.size()) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            if (!out.reply.trailers.empty()) {
                *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
                for (auto& [name, value] : out.reply.trailers) {
                    out.trailer_fields.push_back({reinterpret_cast<std::uint8_t*>(name.data()),
                                                  reinterpret_cast<std::uint8_t*>(value.data()),
                                                  name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
                }
                nghttp2_submit_trailer(session, stream_id, out.trailer_fields.data(),
                                       out.trailer_fields.size());
            }
        }
        return static_cast<ssize_t>(n);
    }

    void on_request(std::int32_t stream_id) {
        received_request request = incoming_[stream_id];
        {
            std::lock_guard lock{owner_->mutex};
            owner_->received.push_back(request);
        }
        h2_reply reply = owner_->script ? owner_->script(request) : h2_reply{};
        if (reply.delay.count() > 0) {
            auto timer = std::make_shared<asio::steady_timer>(owner_->context, reply.delay);
            timer->async_wait([self = shared_from_this(), timer, stream_id,
                               reply = std::move(reply)](boost::system::error_code) mutable {
                self->respond(stream_id, std::move(reply));
                self->flush();
            });
            return;
        }
        respond(stream_id, std::move(reply));
    }

    void respond(std::int32_t stream_id, h2_reply reply) {
        if (reply.reset) {
            nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id,
                                      NGHTTP2_INTERNAL_ERROR);
            return;
        }
        const bool goaway = reply.goaway;
        auto& out = outgoing_[stream_id];
        out.reply = std::move(reply);
        std::string status = std::to_string(out.reply.status);
        std::vector<std::pair<std::string, std::string>> fields{{":status", status}};
        fields.insert(fields.end(), out.reply.headers.begin(), out.reply.headers.end());
        std::vector<nghttp2_nv> nv;
        for (auto& [name, value] : fields) {
            nv.push_back({reinterpret_cast<std::uint8_t*>(name.data()),
                          reinterpret_cast<std::uint8_t*>(value.data()), name.size(), value.size(),
                          NGHTTP2_NV_FLAG_NONE});
        }
        nghttp2_data_provider body{};
        body.read_callback = &read_body;
        const bool with_body = !out.reply.body.empty() || !out.reply.trailers.empty();
        nghttp2_submit_response(session_, stream_id, nv.data(), nv.size(),
                                with_body ? &body : nullptr);
        if (goaway) {
            nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                                  nghttp2_session_get_last_proc_stream_id(session_),
                                  NGHTTP2_NO_ERROR, nullptr, 0);
        }
    }

    fake_h2_upstream::impl* owner_;
    std::unique_ptr<net::transport> stream_;
    asio::steady_timer timer_;
    nghttp2_session* session_ = nullptr;
    std::array<char, 16384> buffer_{};
    std::string out_;
    bool writing_ = false;
    std::map<std::int32_t, received_request> incoming_;
    std::map<std::int32_t, outgoing_stream> outgoing_;
};

int select_h2(SSL*, const unsigned char** out, unsigned char* out_length,
              const unsigned char* offered, unsigned int offered_length, void* arg) {
    if (arg == nullptr) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    for (unsigned int i = 0; i < offered_length; i += 1U + offered[i]) {
        if (offered[i] == 2 && i + 3 <= offered_length && offered[i + 1] == 'h' &&
            offered[i + 2] == '2') {
            *out = offered + i + 1;
            *out_length = 2;
            return SSL_TLSEXT_ERR_OK;
        }
    }
    return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

void fake_h2_upstream::impl::accept() {
    acceptor.async_accept([self = this](boost::system::error_code ec,
                                        net::transport::socket_type socket) {
        if (ec) {
            return;
        }
        self->connection_count.fetch_add(1);
        socket.set_option(tcp::no_delay{true}, ec);
        auto stream = self->tls ? std::make_unique<net::transport>(std::move(socket), *self->tls)
                                : std::make_unique<net::transport>(std::move(socket));
        std::make_shared<h2_server_connection>(self, std::move(stream))->start();
        self->accept();
    });
}

fake_h2_upstream::fake_h2_upstream(h2_script behaviour, fake_h2_options options)
    : impl_(std::make_unique<impl>()) {
    impl_->script = std::move(behaviour);
    impl_->options = std::move(options);
    if (const auto& tls = impl_->options.tls) {
        impl_->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
        impl_->tls->use_certificate_chain_file(tls->cert_file);
        impl_->tls->use_private_key_file(tls->key_file, asio::ssl::context::pem);
        SSL_CTX_set_alpn_select_cb(impl_->tls->native_handle(), select_h2,
                                   impl_->options.offer_h2 ? impl_.get() : nullptr);
    }
    const tcp::endpoint local{asio::ip::make_address("127.0.0.1"), 0};
    impl_->acceptor.open(local.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(local);
    impl_->acceptor.listen();
    impl_->accept();
    impl_->thread = std::thread([state = impl_.get()] { state->context.run(); });
}

fake_h2_upstream::~fake_h2_upstream() {
    impl_->context.stop();
    impl_->thread.join();
}

unsigned short fake_h2_upstream::port() const {
    return impl_->acceptor.local_endpoint().port();
}

std::string fake_h2_upstream::url() const {
    return (impl_->tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port());
}

std::size_t fake_h2_upstream::connections() const {
    return impl_->connection_count.load();
}

std::size_t fake_h2_upstream::request_count() const {
    std::lock_guard lock{impl_->mutex};
    return impl_->received.size();
}

std::vector<received_request> fake_h2_upstream::requests() const {
    std::lock_guard lock{impl_->mutex};
    return impl_->received;
}

}  // namespace shadowproxy::testing
