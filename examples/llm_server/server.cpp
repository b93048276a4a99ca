#include "llm_server/server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <memory>
#include <optional>

#include "common/http_session.hpp"
#include "common/serve.hpp"
#include "llm_server/openai_api.hpp"

namespace shadowproxy::examples::llm {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint64_t max_body_bytes = 256 * 1024;

class session : public http_session<session> {
public:
    session(tcp::socket&& socket, const generator& model, const server_options& options)
        : http_session(std::move(socket), max_body_bytes), model_(model), options_(options) {}

private:
    friend class http_session<session>;

    void on_request() {
        keep_alive_ = request_.keep_alive();
        const auto target = request_.target();
        const auto path = target.substr(0, target.find('?'));
        if (path == "/healthz") {
            return send_whole(200, "text/plain", "ok");
        }
        const bool chat = path == "/v1/chat/completions";
        if (!chat && path != "/v1/completions") {
            return send_whole(404, "application/json", R"({"error":{"message":"not found"}})");
        }
        reply_ = handle_completion(model_, request_.body(), chat);
        if (!reply_.stream) {
            // A whole answer takes as long as streaming its tokens would.
            const auto tokens = static_cast<int>(reply_.body.size() / 40 + 1);
            return after(options_.token_delay * tokens, [this] {
                send_whole(reply_.status, "application/json", std::move(reply_.body));
            });
        }
        out_ =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            "Transfer-Encoding: chunked\r\n";
        out_ += keep_alive_ ? "\r\n" : "Connection: close\r\n\r\n";
        next_event_ = 0;
        write_out([this] { send_next_event(); });
    }

    void send_next_event() {
        if (next_event_ == reply_.events.size()) {
            out_ = "0\r\n\r\n";
            return write_out([this] { finish(); });
        }
        after(next_event_ == 0 ? std::chrono::milliseconds(0) : options_.token_delay, [this] {
            const std::string& data = reply_.events[next_event_++];
            char size[24];
            std::snprintf(size, sizeof size, "%zx\r\n", data.size());
            out_ = size + data + "\r\n";
            write_out([this] { send_next_event(); });
        });
    }

    void send_whole(unsigned status, const char* content_type, std::string body) {
        response_ = {};
        response_.version(request_.version());
        response_.keep_alive(keep_alive_);
        response_.result(status);
        response_.set(http::field::content_type, content_type);
        response_.body() = std::move(body);
        response_.prepare_payload();
        stream_.expires_after(idle_timeout);
        http::async_write(stream_, response_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) {
                                  self->finish();
                              }
                          });
    }

    template <typename Next>
    void after(std::chrono::milliseconds delay, Next next) {
        timer_.expires_after(delay);
        timer_.async_wait([self = shared_from_this(), next](beast::error_code ec) {
            if (!ec) {
                next();
            }
        });
    }

    template <typename Next>
    void write_out(Next next) {
        stream_.expires_after(idle_timeout);
        asio::async_write(stream_, asio::buffer(out_),
                          [self = shared_from_this(), next](beast::error_code ec, std::size_t) {
                              if (!ec) {
                                  next();
                              }
                          });
    }

    void finish() {
        if (!keep_alive_) {
            return close_send();
        }
        do_read();
    }

    http::response<http::string_body> response_;
    api_reply reply_;
    std::size_t next_event_ = 0;
    std::string out_;
    bool keep_alive_ = true;
    const generator& model_;
    const server_options& options_;
};

}  // namespace

void run(const generator& model, const server_options& options) {
    serve(options.address, options.port, options.threads, "llm_server: " + model.version(),
          [&](tcp::socket&& socket) {
              std::make_shared<session>(std::move(socket), model, options)->start();
          });
}

}  // namespace shadowproxy::examples::llm
