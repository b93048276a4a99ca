#include "shadowproxy/proxy/client_session.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <iterator>

#include "shadowproxy/net/http_chars.hpp"
#include "shadowproxy/net/tls_context.hpp"
#include "shadowproxy/oip/grpc_message.hpp"
#include "shadowproxy/proxy/h2_session.hpp"
#include "shadowproxy/proxy/production_answer.hpp"
#include "shadowproxy/proxy/rewrite.hpp"
#include "shadowproxy/proxy/worker.hpp"

namespace shadowproxy::proxy {

namespace {

constexpr std::size_t client_read_chunk = 8192;
constexpr std::string_view header_end = "\r\n\r\n";
constexpr std::string_view continue_100 = "HTTP/1.1 100 Continue\r\n\r\n";
// The first bytes of an HTTP/2 connection with prior knowledge (RFC 9113 §3.4).
constexpr std::string_view h2_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

std::string_view as_view(const beast::flat_buffer& buffer) {
    const auto data = buffer.data();
    return {static_cast<const char*>(data.data()), data.size()};
}

unsigned status_for_parse_error(const beast::error_code& ec) {
    if (ec == http::error::header_limit) {
        return 431;
    }
    if (ec == http::error::body_limit) {
        return 413;
    }
    return 400;
}

}  // namespace

client_session::client_session(worker& owner, client_stream::socket_type&& socket,
                               std::shared_ptr<asio::ssl::context> tls)
    : worker_(owner),
      tls_(std::move(tls)),
      stream_(tls_ ? client_stream(std::move(socket), *tls_) : client_stream(std::move(socket))) {
    beast::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    client_address_ = ec ? "unknown" : remote.address().to_string();
    stream_.socket().set_option(tcp::no_delay{true}, ec);
    worker_.add(this);
}

client_session::~client_session() {
    if (!handed_off_) {
        worker_.remove(this);
        worker_.shared().connections.fetch_sub(1, std::memory_order_relaxed);
    }
}

void client_session::hand_to_h2() {
    // The connection, its count in limits.max_connections and its place in the worker's list
    // go to the HTTP/2 session, with the bytes already read.
    handed_off_ = true;
    worker_.remove(this);
    stream_.tcp().expires_never();
    const auto pending = as_view(buffer_);
    std::make_shared<h2_session>(worker_, std::move(stream_), std::move(tls_),
                                 std::move(client_address_))
        ->start(pending);
}

void client_session::start(bool over_limit) {
    if (over_limit) {
        worker_.shared().metrics.client_connections_rejected.inc();
        if (stream_.is_tls()) {
            return close();  // a handshake costs more than the 503 is worth under overload
        }
        request_id_ = make_request_id();
        return respond_error(503, "too many connections", true);
    }
    if (!stream_.is_tls()) {
        return do_read_header();
    }
    // The handshake is part of the head: it must end within header_timeout_ms.
    header_deadline_ = steady_clock::now() + worker_.snapshot().config->limits.header_timeout;
    idle_ = false;
    stream_.tcp().expires_at(*header_deadline_);
    stream_.async_handshake(
        client_stream::handshake_type::server,
        [self = shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
}

void client_session::on_handshake(beast::error_code ec) {
    if (ec) {
        worker_.shared().metrics.client_tls_handshake_failures.inc();
        spdlog::debug("TLS handshake with {} failed: {}", client_address_,
                      net::describe_failure(stream_.native_handle(), ec));
        return close();
    }
    header_deadline_.reset();
    idle_ = true;
    const unsigned char* protocol = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(stream_.native_handle(), &protocol, &length);
    if (length == 2 && protocol[0] == 'h' && protocol[1] == '2') {
        return hand_to_h2();
    }
    do_read_header();
}

void client_session::close_if_idle() {
    if (idle_) {
        close();
    }
}

void client_session::close() {
    stream_.close();
}

void client_session::await_next_request() {
    if (buffer_.size() != 0) {
        return do_read_header();  // pipelined: the next request is already here
    }
    // The client sends its next request only after reading this answer, so reading at once
    // costs a recvmsg failing with EAGAIN. Posted, the read starts after the handlers already
    // ready on this thread have run; under load the request has often come by then. Meanwhile
    // the connection is idle: a drain may close it.
    idle_ = true;
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->do_read_header(); });
}

void client_session::do_read_header() {
    // Empty lines before a request line are ignored (RFC 9112 §2.2), however many.
    std::size_t empty_lines = 0;
    for (std::string_view bytes = as_view(buffer_); bytes.substr(empty_lines, 2) == "\r\n";) {
        empty_lines += 2;
    }
    buffer_.consume(empty_lines);
    const std::string_view pending = as_view(buffer_);
    const auto& limits = worker_.snapshot().config->limits;
    if (first_request_ && !pending.empty() &&
        h2_preface.substr(0, pending.size()) == pending.substr(0, h2_preface.size())) {
        if (pending.size() >= h2_preface.size()) {
            return hand_to_h2();
        }
    } else if (const auto end = pending.find(header_end); end != std::string_view::npos) {
        return on_header(end + header_end.size());
    }
    if (has_bare_line_feed(pending)) {
        request_id_ = make_request_id();
        return respond_error(400, "malformed request: bare LF line ending", true);
    }
    if (pending.size() > limits.max_header_bytes) {
        request_id_ = make_request_id();
        return respond_error(431, "request header fields too large", true);
    }
    if (pending.empty() && !header_deadline_) {
        idle_ = true;
        stream_.tcp().expires_after(limits.idle_timeout);
    } else {
        if (!header_deadline_) {
            header_deadline_ = steady_clock::now() + limits.header_timeout;
        }
        idle_ = false;
        stream_.tcp().expires_at(*header_deadline_);
    }
    stream_.async_read_some(buffer_.prepare(client_read_chunk),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                self->on_read_some(ec, n);
                            });
}

void client_session::on_read_some(beast::error_code ec, std::size_t bytes) {
    if (ec) {
        // Peer closed, idle or header timeout, or drain: nothing to answer.
        return close();
    }
    buffer_.commit(bytes);
    if (!header_deadline_) {
        header_deadline_ = steady_clock::now() + worker_.snapshot().config->limits.header_timeout;
    }
    if (worker_.draining() && idle_) {
        idle_ = false;
    }
    do_read_header();
}

void client_session::on_header(std::size_t header_bytes) {
    idle_ = false;
    first_request_ = false;
    const auto& limits = worker_.snapshot().config->limits;
    const std::string_view block = as_view(buffer_).substr(0, header_bytes);
    request_id_.clear();  // chosen from the head below; an answer before that makes one
    if (header_bytes > limits.max_header_bytes + header_end.size()) {
        return respond_error(431, "request header fields too large", true);
    }
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes + 4));
    parser_->body_limit(limits.max_body_bytes);
    beast::error_code ec;
    const std::size_t used = parser_->put(asio::buffer(block.data(), block.size()), ec);
    // Checked before Beast's verdict is looked at, as if before it parsed: Beast would unfold an
    // obs-fold. A head of the fast path has none, and its fields are counted already.
    if (!parser_->fast() && has_obs_fold(block)) {
        return respond_error(400, "malformed request: obsolete line folding", true);
    }
    const std::size_t fields =
        parser_->fast() ? parser_->head().fields.size() : count_field_lines(block);
    if (fields > limits.max_header_fields) {
        return respond_error(431, "too many request header fields", true);
    }
    if (ec || !parser_->is_header_done()) {
        const unsigned status = ec ? status_for_parse_error(ec) : 400;
        return respond_error(status, status == 400 ? "malformed request" : "request too large",
                             true);
    }
    buffer_.consume(used);
    const net::request_head& head = parser_->head();
    request_id_ = choose_request_id(head);
    if (const auto problem = framing_problem(head); !problem.empty()) {
        return respond_error(400, "malformed request: " + problem, true);
    }
    line_ = check_request_line(head, limits.allowed_methods);
    if (line_.status == 405) {
        return respond_error(405, line_.problem, true,
                             "Allow: " + allow_value(limits.allowed_methods) + "\r\n");
    }
    if (line_.status != 0) {
        return respond_error(line_.status, "malformed request: " + line_.problem, true);
    }
    if (oip::is_grpc_content_type(head.fields["content-type"])) {
        // gRPC carries its status in trailers, which HTTP/1.1 answers cannot relay.
        return respond_error(415, "gRPC needs HTTP/2: call over h2c or h2", true);
    }
    if (parser_->is_done()) {
        return on_request();
    }
    do_read_body();
}

void client_session::do_read_body() {
    // One deadline for the whole body, as for the head: a body dripped byte by byte is cut too.
    stream_.tcp().expires_after(worker_.snapshot().config->limits.idle_timeout);
    parser_->eager(true);
    // No 100 Continue for an HTTP/1.0 client (RFC 9110 §10.1.1): it does not know the code.
    const auto& head = parser_->head();
    if (head.version < 11 || !net::iequals(head.fields["expect"], "100-continue")) {
        return parse_body();
    }
    asio::async_write(stream_, asio::buffer(continue_100),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          if (ec) {
                              return self->close();
                          }
                          self->parse_body();
                      });
}

// Feeds what is buffered to the parser, then reads more. The parser consumes body bytes as they
// come; what it holds back is a chunk line or the trailer section waiting for its end, bounded
// by chunked_backlog_problem, so an endless line costs a few KiB, not memory without end.
void client_session::parse_body() {
    beast::error_code ec;
    while (!parser_->is_done() && buffer_.size() > 0) {
        const std::size_t used = parser_->put(buffer_.data(), ec);
        buffer_.consume(used);
        if (ec == http::error::need_more) {
            ec = {};
            break;
        }
        if (ec || used == 0) {
            break;
        }
    }
    if (ec) {
        return on_body_error(ec);
    }
    if (parser_->is_done()) {
        return on_request();
    }
    const auto& limits = worker_.snapshot().config->limits;
    if (parser_->chunked()) {
        if (auto problem = chunked_backlog_problem(as_view(buffer_), limits.max_header_bytes);
            !problem.empty()) {
            return respond_error(400, "malformed request body: " + problem, true);
        }
    }
    stream_.async_read_some(buffer_.prepare(client_read_chunk),
                            [self = shared_from_this()](beast::error_code read_ec, std::size_t n) {
                                self->on_body_read(read_ec, n);
                            });
}

void client_session::on_body_read(beast::error_code ec, std::size_t bytes) {
    if (ec) {
        // Peer closed, reset or timed out mid-body: nothing to answer.
        return close();
    }
    buffer_.commit(bytes);
    parse_body();
}

void client_session::on_body_error(beast::error_code ec) {
    if (ec == http::error::body_limit) {
        return respond_error(413, "request body too large", true);
    }
    if (const auto& problem = parser_->trailer_problem(); !problem.empty()) {
        return respond_error(400, "malformed request body: " + problem, true);
    }
    respond_error(400, "malformed request body", true);
}

void client_session::on_request() {
    const auto& snapshot = worker_.snapshot();
    const net::request_head& head = parser_->head();
    // Trailer fields (RFC 9110 §6.5.1) are never merged into the forwarded header section.
    if (const std::size_t dropped = parser_->trailer_fields(); dropped != 0) {
        worker_.shared().metrics.request_trailer_fields_dropped.inc(dropped);
    }
    // From every Connection field of the head (Beast's keep_alive() reads only the first).
    const auto tokens = connection_tokens(head.fields);
    version_ = head.version;
    const bool persistent = version_ >= 11
                                ? !tokens.contains("close")
                                : tokens.contains("keep-alive") && !tokens.contains("close");
    keep_alive_ = persistent && !worker_.draining();
    request_ =
        forward(head, std::move(parser_->body()), client_address_, request_id_,
                forward_options_for(std::move(line_), snapshot.config->mirror.shadow_header_name,
                                    stream_.is_tls()));
    parser_.reset();
    header_deadline_.reset();
    if (snapshot.shadows && !snapshot.shadows->shadows.empty()) {
        copies_ = worker_.shared().mirror.offer(*snapshot.shadows, request_);
    }
    observer_ =
        copies_.empty() ? nullptr : llm::observer_for(snapshot.config->compare, request_->path);
    stream_.tcp().expires_never();
    const auto& pool = snapshot.production;
    const auto& settings = pool->settings();
    exchange_ = pool->open(upstream::upstream_head(*request_, {.host = settings.authority,
                                                               .base_path = settings.base_path}),
                           request_);
    exchange_->start([self = shared_from_this()](std::optional<upstream::upstream_error> error) {
        self->on_production_head(error);
    });
}

void client_session::on_production_head(std::optional<upstream::upstream_error> error) {
    std::string head;
    body_framing framing = body_framing::none;
    if (!error) {
        const unsigned status = exchange_->head().status;
        const bool body_expected =
            !request_->is_head && status >= 200 && status != 204 && status != 304;
        const auto length = exchange_->content_length();
        framing = client_framing(body_expected, length, version_);
        if (framing == body_framing::close) {
            keep_alive_ = false;
        }
        head = client_response_head(exchange_->head(), framing, length.value_or(0), request_id_,
                                    keep_alive_, version_);
        if (head.empty()) {
            exchange_->cancel();
            error = metrics::upstream_error::bad_response;
        }
    }
    if (error) {
        return on_production_failed(*error);
    }
    worker_.snapshot().production_metrics->count_response(exchange_->head().status);
    const auto& config = *worker_.snapshot().config;
    const std::size_t capture = copies_.empty() ? 0 : config.compare.max_body_bytes;
    relay_ = std::make_shared<response_relay>(stream_, exchange_, framing,
                                              config.limits.idle_timeout, capture);
    relay_->capture().observe(observer_.get());
    relay_->start(std::move(head), [self = shared_from_this()](const relay_result& result) {
        self->on_relayed(result);
    });
}

void client_session::on_production_failed(upstream::upstream_error error) {
    auto& production = *worker_.snapshot().production_metrics;
    complete_copies(error);
    const unsigned status = error == metrics::upstream_error::timeout ? 504 : 502;
    spdlog::warn("request {}: {} ({} {})", request_id_, production_error_message(error),
                 request_->method, request_->path);
    production.count_response(status);
    exchange_.reset();
    respond_error(status, production_error_message(error), !keep_alive_);
}

void client_session::complete_copies(std::optional<upstream::upstream_error> error,
                                     bool client_aborted) {
    production_end end;
    end.error = error;
    end.client_aborted = client_aborted;
    end.capture = relay_ && !error ? &relay_->capture() : nullptr;
    end.observer = std::move(observer_);
    report_production(worker_.snapshot(), *exchange_, copies_, std::move(end));
}

void client_session::on_relayed(const relay_result& result) {
    if (!result.head_sent && result.production_error) {
        relay_.reset();
        return on_production_failed(*result.production_error);
    }
    if (result.client_failed) {
        // The client went away mid-answer and production's exchange was cancelled (its
        // connection closed): the copies are recorded with production reset, client_aborted.
        complete_copies(upstream::upstream_error::reset, true);
    } else {
        complete_copies(result.production_error);
    }
    if (result.production_error) {
        spdlog::warn("request {}: {} after the answer's head; connection closed ({} {})",
                     request_id_, production_error_message(*result.production_error),
                     request_->method, request_->path);
    }
    relay_.reset();
    exchange_.reset();
    request_.reset();
    if (result.production_error || result.client_failed || !keep_alive_ || worker_.draining()) {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        return close();
    }
    await_next_request();
}

void client_session::write(std::string&& head, std::shared_ptr<const std::string> body,
                           bool keep_alive) {
    head_ = std::move(head);
    body_ = std::move(body);
    keep_alive_ = keep_alive;
    stream_.tcp().expires_after(worker_.snapshot().config->limits.idle_timeout);
    beast::buffers_suffix<std::array<asio::const_buffer, 2>> pending{
        std::array<asio::const_buffer, 2>{asio::buffer(head_),
                                          body_ ? asio::buffer(*body_) : asio::const_buffer{}}};
    if (stream_.write_now(pending)) {
        return on_write({});
    }
    asio::async_write(
        stream_, pending,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void client_session::on_write(beast::error_code ec) {
    head_.clear();
    body_.reset();
    request_.reset();
    if (ec || !keep_alive_ || worker_.draining()) {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        return close();
    }
    await_next_request();
}

void client_session::respond_error(unsigned status, std::string_view message, bool close_after,
                                   std::string_view extra_header_lines) {
    if (status != 502 && status != 504) {
        worker_.shared().local_errors.count_response(status);
    }
    if (request_id_.empty()) {
        request_id_ = make_request_id();
    }
    auto body = std::make_shared<std::string>(error_json(message, request_id_));
    const auto reason = http::obsolete_reason(static_cast<http::status>(status));
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + std::string{reason} + "\r\n";
    head.append("Content-Type: application/json\r\n");
    head.append("Content-Length: ").append(std::to_string(body->size())).append("\r\n");
    head.append("X-Request-Id: ").append(request_id_).append("\r\n");
    head.append(extra_header_lines);
    const bool keep_alive = !close_after && keep_alive_ && !worker_.draining();
    if (!keep_alive) {
        head.append("Connection: close\r\n");
    }
    head.append("\r\n");
    write(std::move(head), std::move(body), keep_alive);
}

}  // namespace shadowproxy::proxy
