// A scriptable HTTP/1.1 upstream for integration tests: production or shadow, fast, slow,
// dead-after-accept, resetting or answering garbage, over plain TCP or TLS (fake_tls: its
// certificate, optionally a CA whose client certificates it requires). Listens on 127.0.0.1
// (port picked by the kernel) and runs on its own thread; the script is called on that thread.
// Records every request it receives and counts connections and TLS handshakes, so tests can
// assert on what reached it.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace shadowproxy::testing {

struct received_request {
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
    std::string body;
    std::string header(const std::string& name) const;  // case-insensitive; empty if absent
    bool has_header(const std::string& name) const;
};

struct reply {
    enum class kind {
        normal,  // status, headers, body after `delay`
        reset,   // close the connection abruptly (RST) without answering
        close,   // close cleanly without answering
        never,   // hold the connection open and never answer
        raw,     // write `raw_bytes` as the whole answer, then close
    };
    kind action = kind::normal;
    unsigned status = 200;
    std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
    std::string body = R"({"prediction":1})";
    std::chrono::milliseconds delay{0};
    std::string raw_bytes;
};

using script = std::function<reply(const received_request&)>;

struct fake_tls {
    std::string cert_file;
    std::string key_file;
    std::string client_ca_file;  // non-empty: a client certificate signed by it is required
};

class fake_upstream {
public:
    explicit fake_upstream(script behaviour = {}, std::optional<fake_tls> tls = std::nullopt);
    ~fake_upstream();
    fake_upstream(const fake_upstream&) = delete;
    fake_upstream& operator=(const fake_upstream&) = delete;

    unsigned short port() const { return port_; }
    std::string url() const {
        return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_);
    }
    void set_script(script behaviour);
    // Whether requests() keeps bodies (default true); tests sending many large bodies turn it
    // off so that the fake does not hold them all. The script still sees every body.
    void set_log_bodies(bool keep);

    std::size_t connections() const { return connections_.load(); }
    // TLS only: handshakes completed, of which resumed sessions, and the SNI name last received.
    std::size_t handshakes() const;
    std::size_t resumed_handshakes() const;
    std::string server_name() const;
    std::size_t request_count() const;
    std::vector<received_request> requests() const;

    struct impl;  // public so the connection handlers in the .cpp can reach it

private:
    std::unique_ptr<impl> impl_;
    bool tls_ = false;
    unsigned short port_ = 0;
    std::atomic<std::size_t> connections_{0};
};

// A TCP port on 127.0.0.1 with nothing listening (bound then closed).
unsigned short closed_port();

}  // namespace shadowproxy::testing
