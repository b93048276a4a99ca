// One accepted client connection: reads requests (limits, timeouts, framing checks, the RFC 9112
// rules of request_rules.hpp; chunk lines and trailers bounded, trailers never forwarded), sends
// each to production, offers a copy to the mirror, relays production's answer back as it
// arrives (response_relay), and loops while keep-alive holds. Pipelined requests are answered in
// order, one at a time. A connection that opens with the HTTP/2 preface, or negotiated h2
// through ALPN, is handed to an h2_session.
//
// Owns itself through shared_from_this; lives on its worker's thread only. Errors never throw:
// they end in the proxy's own JSON error response (README (Configuration)) or a closed connection.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>

#include "shadowproxy/llm/stream_observer.hpp"
#include "shadowproxy/mirror/mirror_service.hpp"
#include "shadowproxy/proxy/connection.hpp"
#include "shadowproxy/proxy/request_parser.hpp"
#include "shadowproxy/proxy/request_rules.hpp"
#include "shadowproxy/proxy/response_relay.hpp"
#include "shadowproxy/upstream/pool.hpp"

namespace shadowproxy::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using steady_clock = std::chrono::steady_clock;

class worker;

class client_session : public connection, public std::enable_shared_from_this<client_session> {
public:
    // tls: the listener's context when it speaks TLS (kept for this connection's life, so a
    // reload that swaps the worker's context leaves this connection as it is), else null.
    client_session(worker& owner, client_stream::socket_type&& socket,
                   std::shared_ptr<asio::ssl::context> tls);
    ~client_session() override;

    // over_limit: the connection exceeds limits.max_connections and only gets a 503 (a TLS
    // one is closed before its handshake). A TLS connection first shakes hands, within
    // header_timeout_ms.
    void start(bool over_limit);
    // Closes the connection if it is waiting for a request; a request in progress finishes.
    void close_if_idle() override;
    void close() override;

private:
    void on_handshake(beast::error_code ec);
    void hand_to_h2();
    void await_next_request();
    void do_read_header();
    void on_read_some(beast::error_code ec, std::size_t bytes);
    void on_header(std::size_t header_bytes);
    void do_read_body();
    void parse_body();
    void on_body_read(beast::error_code ec, std::size_t bytes);
    void on_body_error(beast::error_code ec);
    void on_request();
    void on_production_head(std::optional<upstream::upstream_error> error);
    void on_production_failed(upstream::upstream_error error);
    // Hands production's answer (or failure) to the copies; client_aborted: the client went
    // away mid-answer, which is recorded but not counted as production's error.
    void complete_copies(std::optional<upstream::upstream_error> error,
                         bool client_aborted = false);
    void on_relayed(const relay_result& result);
    void write(std::string&& head, std::shared_ptr<const std::string> body, bool keep_alive);
    void on_write(beast::error_code ec);
    void respond_error(unsigned status, std::string_view message, bool close_after,
                       std::string_view extra_header_lines = {});

    worker& worker_;
    std::shared_ptr<asio::ssl::context> tls_;
    client_stream stream_;
    std::string client_address_;
    beast::flat_buffer buffer_;
    std::optional<request_parser> parser_;
    request_line_check line_;
    std::optional<steady_clock::time_point> header_deadline_;
    bool idle_ = true;
    bool first_request_ = true;  // nothing read yet but the HTTP/2 preface may still come
    bool handed_off_ = false;    // the connection went to an h2_session
    bool keep_alive_ = true;
    unsigned version_ = 11;
    std::string request_id_;
    std::shared_ptr<const upstream::forwarded_request> request_;
    mirror::production_slot copies_;
    std::shared_ptr<upstream::exchange> exchange_;
    std::shared_ptr<response_relay> relay_;
    std::shared_ptr<llm::stream_observer> observer_;  // compare.mode openai, copies only
    std::string head_;                                // the proxy's own answers (errors)
    std::shared_ptr<const std::string> body_;
};

}  // namespace shadowproxy::proxy
