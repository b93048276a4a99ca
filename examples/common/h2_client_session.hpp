// An HTTP/2 client session without I/O (nghttp2's client API): each request is submitted as a
// stream of its own and answered into an h2_answer (status, fields, body, trailers, or the code of
// the RST_STREAM that ended it); received bytes go in through receive(), the bytes to send come
// out of take_output(). h2_client_connection.hpp drives it over an Asio stream.
//
// Shared by examples/grpc_replay and the integration tests' h2_client. Owned by one thread at a
// time (no locking). nghttp2's failures come back as return values; nothing throws but
// std::bad_alloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct nghttp2_session;

namespace shadowproxy::examples {

using field_list = std::vector<std::pair<std::string, std::string>>;

struct h2_call {
    std::string method = "GET";
    std::string scheme = "http";
    std::string authority = "localhost";
    std::string path = "/";
    field_list headers;  // sent as they are (names should be lower-case)
    std::string body;
};

struct h2_answer {
    unsigned status = 0;  // 0: no answer head
    field_list headers;
    std::string body;
    field_list trailers;           // the HEADERS frame after the body, if any
    bool closed = false;           // the stream ended (answered or reset)
    std::uint32_t reset_code = 0;  // the RST_STREAM error code that ended it, if any
    bool reset = false;
    // The first field of that name (any case), or "".
    std::string header(std::string_view name) const;
    std::string trailer(std::string_view name) const;
};

class h2_client_session {
public:
    // Queues the client's SETTINGS (a 1 MiB stream window) and a 16 MiB connection window.
    h2_client_session();
    ~h2_client_session();
    h2_client_session(const h2_client_session&) = delete;
    h2_client_session& operator=(const h2_client_session&) = delete;

    // Queues `call` as a new stream answered into `answer`, which must stay in place until it is
    // closed or forget() is called. Returns the stream id, or a negative nghttp2 error code.
    std::int32_t submit(const h2_call& call, h2_answer& answer);
    // Queues RST_STREAM CANCEL for a stream still being answered.
    void cancel(std::int32_t stream_id);
    bool answering(std::int32_t stream_id) const;
    // Stops filling the answers of the streams still open (their caller gave up waiting).
    void forget();

    // Feeds bytes read from the server; false on a protocol error (the connection is done).
    bool receive(const std::uint8_t* data, std::size_t length);
    // Appends the bytes the session wants to send to `out`.
    void take_output(std::string& out);

    std::size_t open_streams() const { return answers_.size(); }
    bool goaway_received() const { return goaway_; }
    // What the server announced (nghttp2's default until its SETTINGS arrive).
    std::uint32_t max_concurrent_streams() const;

private:
    struct callbacks;
    struct upload {
        std::string body;
        std::size_t sent = 0;
    };

    nghttp2_session* session_ = nullptr;
    std::map<std::int32_t, h2_answer*> answers_;
    std::map<std::int32_t, upload> uploads_;
    bool goaway_ = false;
};

}  // namespace shadowproxy::examples
