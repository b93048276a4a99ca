// libFuzzer target: the HTTP/2 server framing path of src/proxy/h2_session.cpp on raw bytes sent
// after the connection preface: an nghttp2 server session with the proxy's settings and the same
// callbacks wiring (request streams collected by proxy::h2_request_builder under the limits,
// trailers dropped, a stream answered at END_STREAM with HEADERS + DATA from a data source, the
// output drained with nghttp2_session_mem_send after every chunk read), without sockets or
// upstreams. The input is fed in pieces of varying size, as reads would deliver it.
//
// Oracle: every request the builder accepts must serialise (upstream::upstream_head) into
// exactly one HTTP/1.1 request a strict parser reads back with the same method, target and body
// and no byte left over.
#include <nghttp2/nghttp2.h>

#include <array>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "shadowproxy/proxy/h2_request.hpp"
#include "shadowproxy/upstream/forwarded_request.hpp"

namespace http = boost::beast::http;
namespace sp = shadowproxy::proxy;

namespace {

constexpr std::string_view preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr std::string_view answer = R"({"prediction":1})";

struct fuzz_stream {
    explicit fuzz_stream(const shadowproxy::config::limits_config& limits) : request(limits) {}
    sp::h2_request_builder request;
    std::size_t sent = 0;
};

struct fuzz_server {
    shadowproxy::config::limits_config limits;
    std::map<std::int32_t, std::unique_ptr<fuzz_stream>> streams;
};

void check_forwarded(const shadowproxy::upstream::forwarded_request& request) {
    const std::string wire =
        shadowproxy::upstream::upstream_head(request, "127.0.0.1:9") + request.body;
    http::request_parser<http::string_body> upstream;
    upstream.eager(true);
    upstream.header_limit(1U << 20);
    upstream.body_limit(1U << 20);
    boost::beast::error_code ec;
    const std::size_t used = upstream.put(boost::asio::buffer(wire), ec);
    if (ec || !upstream.is_done() || used != wire.size()) {
        __builtin_trap();
    }
    const auto& seen = upstream.get();
    if (seen.method_string() != request.method || seen.target() != request.target ||
        seen.body() != request.body || seen.count(http::field::host) != 1) {
        __builtin_trap();
    }
}

ssize_t read_answer(nghttp2_session*, std::int32_t, std::uint8_t* buffer, std::size_t length,
                    std::uint32_t* flags, nghttp2_data_source* source, void*) {
    auto& stream = *static_cast<fuzz_stream*>(source->ptr);
    const std::size_t n = std::min(length, answer.size() - stream.sent);
    std::memcpy(buffer, answer.data() + stream.sent, n);
    stream.sent += n;
    if (stream.sent == answer.size()) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    return static_cast<ssize_t>(n);
}

fuzz_stream* find(fuzz_server& server, std::int32_t id) {
    const auto it = server.streams.find(id);
    return it == server.streams.end() ? nullptr : it->second.get();
}

void finish(nghttp2_session* session, std::int32_t id, fuzz_stream& stream) {
    const auto verdict = stream.request.finish("127.0.0.1", "X-Shadow-Request", false);
    if (verdict.status == 0) {
        check_forwarded(*stream.request.request());
    }
    std::array<nghttp2_nv, 1> nva{
        {{reinterpret_cast<std::uint8_t*>(const_cast<char*>(":status")),
          reinterpret_cast<std::uint8_t*>(const_cast<char*>("200")), 7, 3, NGHTTP2_NV_FLAG_NONE}}};
    nghttp2_data_provider provider{};
    provider.source.ptr = &stream;
    provider.read_callback = read_answer;
    nghttp2_submit_response(session, id, nva.data(), nva.size(), &provider);
}

nghttp2_session* make_session(fuzz_server& server) {
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_begin_headers_callback(
        callbacks, [](nghttp2_session*, const nghttp2_frame* frame, void* user) {
            auto& self = *static_cast<fuzz_server*>(user);
            if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
                self.streams[frame->hd.stream_id] = std::make_unique<fuzz_stream>(self.limits);
            }
            return 0;
        });
    nghttp2_session_callbacks_set_on_header_callback(
        callbacks, [](nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                      std::size_t name_length, const std::uint8_t* value, std::size_t value_length,
                      std::uint8_t, void* user) {
            if (auto* stream = find(*static_cast<fuzz_server*>(user), frame->hd.stream_id)) {
                stream->request.add_field({reinterpret_cast<const char*>(name), name_length},
                                          {reinterpret_cast<const char*>(value), value_length},
                                          frame->headers.cat != NGHTTP2_HCAT_REQUEST);
            }
            return 0;
        });
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
        callbacks, [](nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data,
                      std::size_t length, void* user) {
            if (auto* stream = find(*static_cast<fuzz_server*>(user), id)) {
                stream->request.add_body({reinterpret_cast<const char*>(data), length});
            }
            return 0;
        });
    nghttp2_session_callbacks_set_on_frame_recv_callback(
        callbacks, [](nghttp2_session* session, const nghttp2_frame* frame, void* user) {
            auto* stream = find(*static_cast<fuzz_server*>(user), frame->hd.stream_id);
            if (stream == nullptr) {
                return 0;
            }
            if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
                stream->request.head_verdict();
            }
            if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
                (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
                finish(session, frame->hd.stream_id, *stream);
            }
            return 0;
        });
    nghttp2_session_callbacks_set_on_stream_close_callback(
        callbacks, [](nghttp2_session*, std::int32_t id, std::uint32_t, void* user) {
            static_cast<fuzz_server*>(user)->streams.erase(id);
            return 0;
        });
    nghttp2_session* session = nullptr;
    nghttp2_session_server_new(&session, callbacks, &server);
    nghttp2_session_callbacks_del(callbacks);
    const std::array<nghttp2_settings_entry, 3> settings{{
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 16},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 4096},
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
    }};
    nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
    return session;
}

bool drain(nghttp2_session* session) {
    for (;;) {
        const std::uint8_t* data = nullptr;
        const auto n = nghttp2_session_mem_send(session, &data);
        if (n < 0) {
            return false;
        }
        if (n == 0) {
            return true;
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz_server server;
    server.limits.max_header_bytes = 4096;
    server.limits.max_body_bytes = 65536;
    nghttp2_session* session = make_session(server);
    bool alive =
        nghttp2_session_mem_recv(session, reinterpret_cast<const std::uint8_t*>(preface.data()),
                                 preface.size()) >= 0;
    // Chunk sizes vary with the data: 1, 7, 64, 1000, … bytes per "read".
    std::size_t at = 0;
    for (std::size_t round = 0; alive && at < size; ++round) {
        const std::size_t piece =
            std::min<std::size_t>(size - at, std::array<std::size_t, 4>{1, 7, 64, 1000}[round % 4]);
        alive = nghttp2_session_mem_recv(session, data + at, piece) >= 0 && drain(session);
        at += piece;
    }
    nghttp2_session_del(session);
    return 0;
}
