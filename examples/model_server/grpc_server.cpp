#include "model_server/grpc_server.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model_server/oip_api.hpp"

namespace shadowproxy::examples {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::string_view model_infer_path = "/inference.GRPCInferenceService/ModelInfer";
// A ModelInfer call of the largest batch oip_api.cpp accepts fits well below this.
constexpr std::size_t max_body_bytes = 1 << 20;
constexpr auto idle_timeout = std::chrono::seconds(60);

using fields = std::vector<std::pair<std::string, std::string>>;

std::string_view text_of(const std::uint8_t* data, std::size_t length) {
    return {reinterpret_cast<const char*>(data), length};
}

// grpc-message is percent-encoded: anything outside printable ASCII, and '%' itself.
std::string percent_encoded(std::string_view message) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : message) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte > 0x7E || c == '%') {
            out += '%';
            out += hex[byte >> 4U];
            out += hex[byte & 0xFU];
        } else {
            out += c;
        }
    }
    return out;
}

std::vector<nghttp2_nv> name_values(fields& list) {
    std::vector<nghttp2_nv> out;
    for (auto& [name, value] : list) {
        out.push_back({reinterpret_cast<std::uint8_t*>(name.data()),
                       reinterpret_cast<std::uint8_t*>(value.data()), name.size(), value.size(),
                       NGHTTP2_NV_FLAG_NONE});
    }
    return out;
}

struct grpc_stream {
    std::string method;
    std::string path;
    std::string content_type;
    std::string body;
    bool too_large = false;
    // The answer while it is sent.
    std::string answer;
    std::size_t sent = 0;
    fields trailers;
};

class grpc_session : public std::enable_shared_from_this<grpc_session> {
public:
    grpc_session(tcp::socket&& socket, const softmax_model& model, const server_options& options)
        : socket_(std::move(socket)),
          idle_(socket_.get_executor()),
          model_(model),
          options_(options) {
        nghttp2_session_callbacks* table = nullptr;
        nghttp2_session_callbacks_new(&table);
        nghttp2_session_callbacks_set_on_header_callback(table, &on_header);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(table, &on_data);
        nghttp2_session_callbacks_set_on_frame_recv_callback(table, &on_frame);
        nghttp2_session_callbacks_set_on_stream_close_callback(table, &on_close);
        nghttp2_session_server_new(&session_, table, this);
        nghttp2_session_callbacks_del(table);
        const nghttp2_settings_entry entry{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 128};
        nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, &entry, 1);
    }
    ~grpc_session() { nghttp2_session_del(session_); }
    grpc_session(const grpc_session&) = delete;
    grpc_session& operator=(const grpc_session&) = delete;

    void start() {
        asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
            self->do_read();
            self->flush();
        });
    }

private:
    void do_read() {
        idle_.expires_after(idle_timeout);
        idle_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec) {
                self->close();
            }
        });
        socket_.async_read_some(
            asio::buffer(buffer_),
            [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                self->on_read(ec, n);
            });
    }

    void on_read(boost::system::error_code ec, std::size_t n) {
        if (ec || nghttp2_session_mem_recv(session_, buffer_.data(), n) < 0) {
            return close();
        }
        flush();
        do_read();
    }

    void flush() {
        if (writing_ || !socket_.is_open()) {
            return;
        }
        output_.clear();
        for (;;) {
            const std::uint8_t* data = nullptr;
            const auto n = nghttp2_session_mem_send(session_, &data);
            if (n <= 0) {
                break;
            }
            output_.append(text_of(data, static_cast<std::size_t>(n)));
        }
        if (output_.empty()) {
            if (nghttp2_session_want_read(session_) == 0 &&
                nghttp2_session_want_write(session_) == 0) {
                close();
            }
            return;
        }
        writing_ = true;
        asio::async_write(socket_, asio::buffer(output_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                              self->writing_ = false;
                              if (ec) {
                                  return self->close();
                              }
                              self->flush();
                          });
    }

    void close() {
        boost::system::error_code ignored;
        idle_.cancel();
        socket_.close(ignored);
    }

    static grpc_session& self_of(void* user) { return *static_cast<grpc_session*>(user); }

    static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                         std::size_t name_length, const std::uint8_t* value,
                         std::size_t value_length, std::uint8_t, void* user) {
        auto& stream = self_of(user).streams_[frame->hd.stream_id];
        const auto key = text_of(name, name_length);
        const auto text = text_of(value, value_length);
        if (key == ":method") {
            stream.method = text;
        } else if (key == ":path") {
            stream.path = text;
        } else if (key == "content-type") {
            stream.content_type = text;
        }
        return 0;
    }

    static int on_data(nghttp2_session*, std::uint8_t, std::int32_t stream_id,
                       const std::uint8_t* data, std::size_t length, void* user) {
        auto& stream = self_of(user).streams_[stream_id];
        if (stream.body.size() + length > max_body_bytes) {
            stream.too_large = true;
            stream.body.clear();
        } else if (!stream.too_large) {
            stream.body.append(text_of(data, length));
        }
        return 0;
    }

    static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* user) {
        if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
            (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
            self_of(user).on_request(frame->hd.stream_id);
        }
        return 0;
    }

    static int on_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t, void* user) {
        self_of(user).streams_.erase(stream_id);
        return 0;
    }

    static ssize_t read_answer(nghttp2_session* session, std::int32_t stream_id,
                               std::uint8_t* buffer, std::size_t length, std::uint32_t* flags,
                               nghttp2_data_source*, void* user) {
        auto& streams = self_of(user).streams_;
        const auto it = streams.find(stream_id);
        if (it == streams.end()) {
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        }
        auto& stream = it->second;
        const std::size_t n = std::min(length, stream.answer.size() - stream.sent);
        std::memcpy(buffer, stream.answer.data() + stream.sent, n);
        stream.sent += n;
        if (stream.sent == stream.answer.size()) {
            *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
            auto values = name_values(stream.trailers);
            nghttp2_submit_trailer(session, stream_id, values.data(), values.size());
        }
        return static_cast<ssize_t>(n);
    }

    void on_request(std::int32_t stream_id) {
        auto& stream = streams_[stream_id];
        if (stream.method != "POST") {
            return answer_http(stream_id, "405");
        }
        if (stream.content_type.rfind("application/grpc", 0) != 0) {
            return answer_http(stream_id, "415");
        }
        if (stream.path != model_infer_path) {
            return answer_status(stream_id, grpc_unimplemented, "unknown method " + stream.path);
        }
        if (stream.too_large) {
            return answer_status(
                stream_id, grpc_resource_exhausted,
                "the request is over " + std::to_string(max_body_bytes) + " bytes");
        }
        auto reply = handle_model_infer(model_, stream.body);
        stream.body.clear();
        if (reply.status != grpc_ok) {
            return answer_status(stream_id, reply.status, reply.message);
        }
        if (options_.delay.count() == 0) {
            return answer_message(stream_id, std::move(reply.body));
        }
        // A timer, not a sleep: a slow model must not stall the other streams.
        auto timer = std::make_shared<asio::steady_timer>(socket_.get_executor(), options_.delay);
        timer->async_wait([self = shared_from_this(), timer, stream_id,
                           body = std::move(reply.body)](boost::system::error_code ec) mutable {
            if (!ec && self->streams_.contains(stream_id)) {
                self->answer_message(stream_id, std::move(body));
                self->flush();
            }
        });
    }

    void answer_http(std::int32_t stream_id, std::string status) {
        fields head{{":status", std::move(status)}};
        auto values = name_values(head);
        nghttp2_submit_response(session_, stream_id, values.data(), values.size(), nullptr);
    }

    // A trailers-only answer: one HEADERS frame with the status.
    void answer_status(std::int32_t stream_id, int status, const std::string& message) {
        fields head{{":status", "200"},
                    {"content-type", "application/grpc"},
                    {"grpc-status", std::to_string(status)},
                    {"grpc-message", percent_encoded(message)}};
        auto values = name_values(head);
        nghttp2_submit_response(session_, stream_id, values.data(), values.size(), nullptr);
    }

    void answer_message(std::int32_t stream_id, std::string body) {
        auto& stream = streams_[stream_id];
        stream.answer = std::move(body);
        stream.trailers = {{"grpc-status", "0"}};
        fields head{{":status", "200"}, {"content-type", "application/grpc"}};
        auto values = name_values(head);
        nghttp2_data_provider provider{};
        provider.read_callback = &read_answer;
        nghttp2_submit_response(session_, stream_id, values.data(), values.size(), &provider);
    }

    tcp::socket socket_;
    asio::steady_timer idle_;
    const softmax_model& model_;
    const server_options& options_;
    nghttp2_session* session_ = nullptr;
    std::array<std::uint8_t, 16384> buffer_{};
    std::string output_;
    bool writing_ = false;
    std::map<std::int32_t, grpc_stream> streams_;
};

}  // namespace

void start_grpc_session(tcp::socket&& socket, const softmax_model& model,
                        const server_options& options) {
    std::make_shared<grpc_session>(std::move(socket), model, options)->start();
}

}  // namespace shadowproxy::examples
