#include "common/h2_client_session.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

namespace shadowproxy::examples {
namespace {

std::string_view bytes_of(const std::uint8_t* data, std::size_t length) {
    return {reinterpret_cast<const char*>(data), length};
}

bool same_name(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

std::string find_field(const field_list& fields, std::string_view name) {
    for (const auto& [key, value] : fields) {
        if (same_name(key, name)) {
            return value;
        }
    }
    return {};
}

nghttp2_nv field(const std::string& name, const std::string& value) {
    return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
            reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
            value.size(), NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

std::string h2_answer::header(std::string_view name) const {
    return find_field(headers, name);
}

std::string h2_answer::trailer(std::string_view name) const {
    return find_field(trailers, name);
}

// nghttp2's callbacks, with the session object as their user data.
struct h2_client_session::callbacks {
    static h2_answer* answer_of(void* user, std::int32_t stream_id) {
        auto& self = *static_cast<h2_client_session*>(user);
        const auto it = self.answers_.find(stream_id);
        return it == self.answers_.end() ? nullptr : it->second;
    }

    static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                         std::size_t name_length, const std::uint8_t* value,
                         std::size_t value_length, std::uint8_t, void* user) {
        h2_answer* answer = answer_of(user, frame->hd.stream_id);
        if (answer == nullptr) {
            return 0;
        }
        std::string key(bytes_of(name, name_length));
        std::string text(bytes_of(value, value_length));
        if (key == ":status") {
            unsigned status = 0;
            for (const char c : text) {
                status = status * 10 + static_cast<unsigned>(c - '0');
            }
            answer->status = status;
        } else if (frame->headers.cat == NGHTTP2_HCAT_HEADERS) {
            answer->trailers.emplace_back(std::move(key), std::move(text));
        } else {
            answer->headers.emplace_back(std::move(key), std::move(text));
        }
        return 0;
    }

    static int on_data(nghttp2_session*, std::uint8_t, std::int32_t stream_id,
                       const std::uint8_t* data, std::size_t length, void* user) {
        if (h2_answer* answer = answer_of(user, stream_id)) {
            answer->body.append(bytes_of(data, length));
        }
        return 0;
    }

    static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* user) {
        if (frame->hd.type == NGHTTP2_GOAWAY) {
            static_cast<h2_client_session*>(user)->goaway_ = true;
        }
        if (frame->hd.type == NGHTTP2_RST_STREAM) {
            if (h2_answer* answer = answer_of(user, frame->hd.stream_id)) {
                answer->reset = true;
                answer->reset_code = frame->rst_stream.error_code;
            }
        }
        return 0;
    }

    static int on_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t code, void* user) {
        auto& self = *static_cast<h2_client_session*>(user);
        self.uploads_.erase(stream_id);
        const auto it = self.answers_.find(stream_id);
        if (it == self.answers_.end()) {
            return 0;
        }
        h2_answer& answer = *it->second;
        answer.closed = true;
        if (code != NGHTTP2_NO_ERROR && answer.reset_code == 0) {
            answer.reset = true;
            answer.reset_code = code;
        }
        self.answers_.erase(it);
        return 0;
    }

    static ssize_t read_upload(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buffer,
                               std::size_t length, std::uint32_t* flags, nghttp2_data_source*,
                               void* user) {
        auto& self = *static_cast<h2_client_session*>(user);
        const auto it = self.uploads_.find(stream_id);
        if (it == self.uploads_.end()) {
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        }
        auto& up = it->second;
        const std::size_t n = std::min(length, up.body.size() - up.sent);
        std::memcpy(buffer, up.body.data() + up.sent, n);
        up.sent += n;
        if (up.sent == up.body.size()) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
        }
        return static_cast<ssize_t>(n);
    }
};

h2_client_session::h2_client_session() {
    nghttp2_session_callbacks* table = nullptr;
    nghttp2_session_callbacks_new(&table);
    nghttp2_session_callbacks_set_on_header_callback(table, &callbacks::on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(table, &callbacks::on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(table, &callbacks::on_frame);
    nghttp2_session_callbacks_set_on_stream_close_callback(table, &callbacks::on_close);
    nghttp2_session_client_new(&session_, table, this);
    nghttp2_session_callbacks_del(table);
    const std::array<nghttp2_settings_entry, 1> settings{
        {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, 1 << 24);
}

h2_client_session::~h2_client_session() {
    nghttp2_session_del(session_);
}

std::int32_t h2_client_session::submit(const h2_call& call, h2_answer& answer) {
    static const std::string method = ":method", scheme = ":scheme", path = ":path",
                             authority = ":authority";
    std::vector<nghttp2_nv> fields{field(method, call.method), field(scheme, call.scheme),
                                   field(path, call.path), field(authority, call.authority)};
    for (const auto& [name, value] : call.headers) {
        fields.push_back(field(name, value));
    }
    nghttp2_data_provider provider{};
    provider.read_callback = &callbacks::read_upload;
    const std::int32_t id =
        nghttp2_submit_request(session_, nullptr, fields.data(), fields.size(),
                               call.body.empty() ? nullptr : &provider, nullptr);
    if (id < 0) {
        return id;
    }
    answers_[id] = &answer;
    if (!call.body.empty()) {
        uploads_[id] = {call.body, 0};
    }
    return id;
}

void h2_client_session::cancel(std::int32_t stream_id) {
    if (answering(stream_id)) {
        nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
    }
}

bool h2_client_session::answering(std::int32_t stream_id) const {
    return answers_.contains(stream_id);
}

void h2_client_session::forget() {
    answers_.clear();
}

bool h2_client_session::receive(const std::uint8_t* data, std::size_t length) {
    return nghttp2_session_mem_recv(session_, data, length) >= 0;
}

void h2_client_session::take_output(std::string& out) {
    for (;;) {
        const std::uint8_t* data = nullptr;
        const auto n = nghttp2_session_mem_send(session_, &data);
        if (n <= 0) {
            return;
        }
        out.append(bytes_of(data, static_cast<std::size_t>(n)));
    }
}

std::uint32_t h2_client_session::max_concurrent_streams() const {
    return nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

}  // namespace shadowproxy::examples
