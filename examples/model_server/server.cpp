#include "model_server/server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>

#include "common/http_session.hpp"
#include "common/serve.hpp"
#include "model_server/grpc_server.hpp"
#include "model_server/predict_api.hpp"

namespace shadowproxy::examples {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint64_t max_body_bytes = 64 * 1024;

class session : public http_session<session> {
public:
    session(tcp::socket&& socket, const softmax_model& model, const server_options& options)
        : http_session(std::move(socket), max_body_bytes), model_(model), options_(options) {}

private:
    friend class http_session<session>;

    void on_request() {
        response_ = {};
        response_.version(request_.version());
        response_.keep_alive(request_.keep_alive());
        const auto target = request_.target();
        const auto path = target.substr(0, target.find('?'));
        if (path == "/healthz" && request_.method() == http::verb::get) {
            return send(http::status::ok, "text/plain", "ok");
        }
        if (path != "/predict") {
            return send(http::status::not_found, "application/json", R"({"error":"not found"})");
        }
        if (request_.method() != http::verb::post) {
            response_.set(http::field::allow, "POST");
            return send(http::status::method_not_allowed, "application/json",
                        R"({"error":"use POST"})");
        }
        auto reply = handle_predict(model_, request_.body(), options_.output);
        if (options_.delay.count() > 0 && reply.status == 200) {
            // A timer, not a sleep: a slow model must not stall the other connections.
            timer_.expires_after(options_.delay);
            timer_.async_wait([self = shared_from_this(),
                               reply = std::move(reply)](beast::error_code ec) mutable {
                if (!ec) {
                    self->send(http::status::ok, "application/json", std::move(reply.body));
                }
            });
            return;
        }
        send(static_cast<http::status>(reply.status), "application/json", std::move(reply.body));
    }

    void send(http::status status, const char* content_type, std::string body) {
        response_.result(status);
        response_.set(http::field::content_type, content_type);
        response_.body() = std::move(body);
        response_.prepare_payload();
        stream_.expires_after(idle_timeout);
        http::async_write(stream_, response_,
                          beast::bind_front_handler(&session::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        if (ec) {
            return;
        }
        if (!response_.keep_alive()) {
            return close_send();
        }
        do_read();
    }

    http::response<http::string_body> response_;
    const softmax_model& model_;
    const server_options& options_;
};

}  // namespace

void run(const softmax_model& model, const server_options& options) {
    const std::string banner = "model_server: model " + model.version;
    std::vector<listen_port> ports{
        {options.port, banner, [&](tcp::socket&& socket) {
             std::make_shared<session>(std::move(socket), model, options)->start();
         }}};
    if (options.grpc_port) {
        ports.push_back(
            {*options.grpc_port, banner + " (gRPC ModelInfer, h2c)",
             [&](tcp::socket&& socket) { start_grpc_session(std::move(socket), model, options); }});
    }
    serve(options.address, options.threads, ports);
}

}  // namespace shadowproxy::examples
