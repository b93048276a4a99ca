#include "support/h2_client.hpp"

#include <nghttp2/nghttp2.h>

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <map>

#include "shadowproxy/net/transport.hpp"

namespace shadowproxy::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;

std::string h2_response::header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
        if (beast::iequals(key, name)) {
            return value;
        }
    }
    return {};
}

struct h2_connection::impl {
    struct upload {
        const std::string* body = nullptr;
        std::size_t sent = 0;
    };

    asio::io_context context;
    std::optional<asio::ssl::context> ssl;
    std::optional<net::transport> stream;
    nghttp2_session* session = nullptr;
    std::array<std::uint8_t, 16384> read_buffer{};
    std::string output;
    bool writing = false;
    bool reading = false;
    bool closed = false;
    bool goaway = false;
    std::string error;
    std::map<std::int32_t, h2_response*> responses;
    std::map<std::int32_t, upload> uploads;
    std::size_t open_streams = 0;

    ~impl() { nghttp2_session_del(session); }

    void flush() {
        if (writing || closed) {
            return;
        }
        output.clear();
        for (;;) {
            const std::uint8_t* data = nullptr;
            const auto n = nghttp2_session_mem_send(session, &data);
            if (n <= 0) {
                break;
            }
            output.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
        }
        if (output.empty()) {
            return;
        }
        writing = true;
        asio::async_write(*stream, asio::buffer(output), [this](beast::error_code ec, std::size_t) {
            writing = false;
            if (ec) {
                closed = true;
                return;
            }
            flush();
        });
    }

    void do_read() {
        if (reading || closed) {
            return;
        }
        reading = true;
        stream->async_read_some(
            asio::buffer(read_buffer), [this](beast::error_code ec, std::size_t n) {
                reading = false;
                if (ec) {
                    closed = true;
                    return;
                }
                if (nghttp2_session_mem_recv(session, read_buffer.data(), n) < 0) {
                    error = "protocol error from the server";
                    closed = true;
                    return;
                }
                flush();
                do_read();
            });
    }

    void run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        context.restart();
        while (!done() && !closed) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) {
                break;
            }
            context.run_one_for(deadline - now);
        }
    }

    static ssize_t read_upload(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buffer,
                               std::size_t length, std::uint32_t* flags, nghttp2_data_source*,
                               void* user) {
        auto& self = *static_cast<impl*>(user);
        auto& up = self.uploads[stream_id];
        const std::size_t n = std::min(length, up.body->size() - up.sent);
        std::memcpy(buffer, up.body->data() + up.sent, n);
        up.sent += n;
        if (up.sent == up.body->size()) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
        }
        return static_cast<ssize_t>(n);
    }

    void setup() {
        nghttp2_session_callbacks* callbacks = nullptr;
        nghttp2_session_callbacks_new(&callbacks);
        nghttp2_session_callbacks_set_on_header_callback(
            callbacks, [](nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                          std::size_t name_length, const std::uint8_t* value,
                          std::size_t value_length, std::uint8_t, void* user) {
                auto& self = *static_cast<impl*>(user);
                const auto it = self.responses.find(frame->hd.stream_id);
                if (it == self.responses.end()) {
                    return 0;
                }
                const std::string key(reinterpret_cast<const char*>(name), name_length);
                const std::string text(reinterpret_cast<const char*>(value), value_length);
                if (key == ":status") {
                    it->second->status = static_cast<unsigned>(std::stoul(text));
                } else if (frame->headers.cat == NGHTTP2_HCAT_HEADERS) {
                    it->second->trailers.emplace_back(key, text);
                } else {
                    it->second->headers.emplace_back(key, text);
                }
                return 0;
            });
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
            callbacks, [](nghttp2_session*, std::uint8_t, std::int32_t stream_id,
                          const std::uint8_t* data, std::size_t length, void* user) {
                auto& self = *static_cast<impl*>(user);
                if (const auto it = self.responses.find(stream_id); it != self.responses.end()) {
                    it->second->body.append(reinterpret_cast<const char*>(data), length);
                }
                return 0;
            });
        nghttp2_session_callbacks_set_on_frame_recv_callback(
            callbacks, [](nghttp2_session*, const nghttp2_frame* frame, void* user) {
                auto& self = *static_cast<impl*>(user);
                if (frame->hd.type == NGHTTP2_GOAWAY) {
                    self.goaway = true;
                }
                if (frame->hd.type == NGHTTP2_RST_STREAM) {
                    if (const auto it = self.responses.find(frame->hd.stream_id);
                        it != self.responses.end()) {
                        it->second->reset = true;
                        it->second->reset_code = frame->rst_stream.error_code;
                    }
                }
                return 0;
            });
        nghttp2_session_callbacks_set_on_stream_close_callback(
            callbacks,
            [](nghttp2_session*, std::int32_t stream_id, std::uint32_t code, void* user) {
                auto& self = *static_cast<impl*>(user);
                if (const auto it = self.responses.find(stream_id); it != self.responses.end()) {
                    it->second->closed = true;
                    if (code != NGHTTP2_NO_ERROR && it->second->reset_code == 0) {
                        it->second->reset = true;
                        it->second->reset_code = code;
                    }
                    self.responses.erase(it);
                    --self.open_streams;
                }
                return 0;
            });
        nghttp2_session_client_new(&session, callbacks, this);
        nghttp2_session_callbacks_del(callbacks);
        const std::array<nghttp2_settings_entry, 1> settings{
            {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}}};
        nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
        nghttp2_session_set_local_window_size(session, NGHTTP2_FLAG_NONE, 0, 1 << 24);
    }
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
    beast::error_code ec;
    self.stream->socket().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec && tls != nullptr) {
        auto result = std::make_shared<beast::error_code>(asio::error::timed_out);
        self.stream->async_handshake(net::transport::handshake_type::client,
                                     [result](beast::error_code e) { *result = e; });
        self.context.run_for(default_timeout);
        ec = *result;
    }
    if (ec) {
        self.error = ec.message();
        self.closed = true;
        return;
    }
    self.setup();
    self.flush();
    self.do_read();
}

h2_connection::~h2_connection() {
    if (impl_->stream) {
        impl_->stream->close();
    }
}

bool h2_connection::connected() const {
    return !impl_->closed;
}

const std::string& h2_connection::error() const {
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
    if (self.closed) {
        for (auto& response : out) {
            response.closed = true;
        }
        return out;
    }
    std::vector<std::unique_ptr<asio::steady_timer>> timers;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const auto& request = requests[i];
        std::vector<nghttp2_nv> nva;
        auto add = [&](const std::string& name, const std::string& value) {
            nva.push_back({reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                           reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())),
                           name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
        };
        static const std::string method = ":method", scheme = ":scheme", path = ":path",
                                 authority = ":authority", http = "http", https = "https";
        add(method, request.method);
        add(scheme, self.ssl ? https : http);
        add(path, request.path);
        add(authority, request.authority);
        for (const auto& [name, value] : request.headers) {
            add(name, value);
        }
        nghttp2_data_provider provider{};
        provider.read_callback = impl::read_upload;
        const std::int32_t id =
            nghttp2_submit_request(self.session, nullptr, nva.data(), nva.size(),
                                   request.body.empty() ? nullptr : &provider, nullptr);
        if (id < 0) {
            out[i].closed = true;
            continue;
        }
        self.responses[id] = &out[i];
        ++self.open_streams;
        if (!request.body.empty()) {
            self.uploads[id] = {&request.body, 0};
        }
        if (request.reset_after) {
            auto timer = std::make_unique<asio::steady_timer>(self.context, *request.reset_after);
            timer->async_wait([&self, id](beast::error_code ec) {
                if (!ec && self.responses.contains(id)) {
                    nghttp2_submit_rst_stream(self.session, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
                    self.flush();
                }
            });
            timers.push_back(std::move(timer));
        }
    }
    self.flush();
    self.run_until([&] { return self.open_streams == 0; }, timeout);
    for (auto& timer : timers) {
        timer->cancel();
    }
    self.responses.clear();
    self.open_streams = 0;
    self.uploads.clear();
    return out;
}

std::uint32_t h2_connection::max_concurrent_streams() const {
    return nghttp2_session_get_remote_settings(impl_->session,
                                               NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

bool h2_connection::goaway_received() const {
    return impl_->goaway;
}

bool h2_connection::wait_closed(std::chrono::milliseconds timeout) {
    impl_->run_until([] { return false; }, timeout);
    return impl_->closed;
}

}  // namespace shadowproxy::testing
