// A raw-socket HTTP/1.1 upstream for the streaming tests: the test's function writes each answer
// itself, piece by piece and with pauses (SSE events, bodies of hundreds of MB, answers
// delimited by close), and a blocking reader client that notes when each byte arrived.
//
// The upstream listens on 127.0.0.1 (kernel-picked port) and serves each connection on its own
// thread; the destructor shuts every socket down and joins. Every socket call is bounded by a
// timeout; failures end the connection (server) or come back in the result (client), never thrown.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace shadowproxy::testing {

// One upstream connection as the answer function sees it.
class stream_connection {
public:
    explicit stream_connection(int fd) : fd_(fd) {}
    // Writes all of `bytes` (blocking, so a slow reader slows the writer); false once the peer
    // is gone or stalls 30 s.
    bool write(std::string_view bytes);
    // One chunk of a chunked body (empty `data` is the last chunk).
    bool write_chunk(std::string_view data);

private:
    int fd_;
};

// Called per request with its head (request line and headers); returns whether the connection
// stays open for another request.
using stream_answer = std::function<bool(const std::string& head, stream_connection& out)>;

class stream_upstream {
public:
    explicit stream_upstream(stream_answer answer);
    ~stream_upstream();
    stream_upstream(const stream_upstream&) = delete;
    stream_upstream& operator=(const stream_upstream&) = delete;

    unsigned short port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    void accept_loop();
    void serve(int fd);

    stream_answer answer_;
    int listener_ = -1;
    unsigned short port_ = 0;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::vector<int> connections_;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

// A client connection that sends one request and reads the answer as it comes.
class stream_client {
public:
    stream_client(unsigned short port, const std::string& request);
    ~stream_client();
    stream_client(const stream_client&) = delete;
    stream_client& operator=(const stream_client&) = delete;

    bool connected() const { return fd_ >= 0; }
    // Reads what is available (waiting up to `timeout` for something); appends it to received()
    // and returns the number of bytes, 0 on timeout, -1 once the peer closed or failed.
    long read_some(std::chrono::milliseconds timeout, std::size_t max_bytes = 1 << 16);
    const std::string& received() const { return received_; }
    // Forgets received bytes (for long bodies read only to be counted), or their first `n`.
    void discard() { received_.clear(); }
    void discard(std::size_t n) { received_.erase(0, n); }

private:
    int fd_ = -1;
    std::string received_;
};

// Decodes a chunked message body (the bytes after the head) into `body`; false when the framing
// is broken. `complete` says whether the last chunk was seen (else the bytes stop mid-way).
bool decode_chunked(std::string_view raw, std::string& body, bool& complete);

}  // namespace shadowproxy::testing
