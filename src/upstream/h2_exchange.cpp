#include "upstream/h2_exchange.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <charconv>

#include "shadowproxy/net/http_chars.hpp"
#include "upstream/h2_client.hpp"

namespace shadowproxy::upstream {

namespace {

// Request fields HTTP/2 forbids (RFC 9113 §8.2.2); Host becomes :authority.
constexpr std::array<std::string_view, 7> h2_dropped_fields{
    "connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "host", "te"};

std::string h2_lower(std::string_view text) {
    std::string out{text};
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view h2_trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace

h2_exchange::h2_exchange(std::shared_ptr<upstream_pool> pool, std::shared_ptr<h2_client> client,
                         std::string head, std::shared_ptr<const forwarded_request> request,
                         std::chrono::milliseconds timeout)
    : pool_(std::move(pool)),
      client_(std::move(client)),
      request_head_(std::move(head)),
      request_(std::move(request)),
      timeout_(timeout),
      timer_(pool_->context_),
      started_(clock::now()) {}

h2_exchange::~h2_exchange() {
    detach(!finished_);
}

void h2_exchange::build_fields() {
    // The head is "METHOD target HTTP/1.1\r\n" then "Name: value\r\n" lines (upstream_head).
    std::string_view rest = request_head_;
    const auto line_end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, line_end);
    rest.remove_prefix(std::min(rest.size(), line_end + 2));
    const auto first_space = line.find(' ');
    const auto last_space = line.rfind(' ');
    field_text_ = {
        ":method",    std::string{line.substr(0, first_space)},
        ":scheme",    pool_->settings().tls ? "https" : "http",
        ":authority", pool_->settings().authority,
        ":path",      std::string{line.substr(first_space + 1, last_space - first_space - 1)}};
    bool grpc = false;
    bool has_te = false;
    while (!rest.empty()) {
        const auto end = rest.find("\r\n");
        const std::string_view field = rest.substr(0, end);
        rest.remove_prefix(std::min(rest.size(), end == std::string_view::npos ? end : end + 2));
        const auto colon = field.find(':');
        if (field.empty() || colon == std::string_view::npos) {
            continue;
        }
        std::string name = h2_lower(h2_trim(field.substr(0, colon)));
        const std::string_view value = h2_trim(field.substr(colon + 1));
        if (name == "host") {
            field_text_[5] = std::string{value};
            continue;
        }
        if (std::find(h2_dropped_fields.begin(), h2_dropped_fields.end(), name) !=
                h2_dropped_fields.end() &&
            !(name == "te" && net::iequals(value, "trailers"))) {
            continue;
        }
        grpc = grpc || (name == "content-type" && value.starts_with("application/grpc"));
        has_te = has_te || name == "te";
        field_text_.push_back(std::move(name));
        field_text_.emplace_back(value);
    }
    // gRPC servers require "te: trailers", which an HTTP/1.1 hop may have dropped.
    if (grpc && !has_te) {
        field_text_.emplace_back("te");
        field_text_.emplace_back("trailers");
    }
}

void h2_exchange::start(step_handler done) {
    done_ = std::move(done);
    waiting_ = waiting::head;
    build_fields();
    arm(started_ + timeout_);
    attach();
}

void h2_exchange::attach() {
    connection_ = client_->pick();
    if (!connection_) {
        fail(upstream_error::dns_failed);
        return notify();
    }
    was_ready_ = connection_->ready();
    std::vector<nghttp2_nv> fields;
    fields.reserve(field_text_.size() / 2);
    for (std::size_t i = 0; i + 1 < field_text_.size(); i += 2) {
        auto& name = field_text_[i];
        auto& value = field_text_[i + 1];
        fields.push_back({reinterpret_cast<std::uint8_t*>(name.data()),
                          reinterpret_cast<std::uint8_t*>(value.data()), name.size(), value.size(),
                          NGHTTP2_NV_FLAG_NONE});
    }
    body_sent_ = 0;
    const std::int32_t id = connection_->submit(*this, fields, !request_->body.empty());
    if (id <= 0) {
        fail(upstream_error::bad_response);
        return notify();
    }
    stream_id_ = id;
}

std::size_t h2_exchange::read_body(std::uint8_t* out, std::size_t length, bool& last) {
    const std::string& body = request_->body;
    const std::size_t n = std::min(length, body.size() - body_sent_);
    std::copy_n(body.data() + body_sent_, n, out);
    body_sent_ += n;
    last = body_sent_ == body.size();
    return n;
}

void h2_exchange::on_header(std::string_view name, std::string_view value) {
    if (!got_bytes_) {
        got_bytes_ = true;
        ttfb_ = clock::now() - started_;
    }
    if (head_done_) {
        trailers_.add(name, value);
        return;
    }
    if (name == ":status") {
        std::from_chars(value.data(), value.data() + value.size(), status_);
    } else if (!name.starts_with(':')) {
        head_.fields.add(name, value);
    }
}

void h2_exchange::on_headers_end(bool end_stream) {
    if (head_done_) {  // trailers
        ended_ = ended_ || end_stream;
        return notify();
    }
    if (status_ >= 100 && status_ < 200 && status_ != 101 && !end_stream) {
        head_.clear();  // an interim answer: the final one follows
        status_ = 0;
        return;
    }
    if (status_ < 200 || status_ > 999) {
        fail(upstream_error::bad_response);
        return notify();
    }
    head_done_ = true;
    head_.status = status_;
    ended_ = end_stream;
    ended_at_head_ = end_stream;
    notify();
}

void h2_exchange::on_data(std::string_view data) {
    inbox_.append(data);
    notify();
}

void h2_exchange::on_end_stream() {
    ended_ = true;
    notify();
}

void h2_exchange::on_stream_closed(std::uint32_t code) {
    stream_id_ = 0;
    if (ended_ || error_) {
        return;
    }
    // A stream the server refused (or left unprocessed under GOAWAY) was not processed: one
    // fresh attempt is safe.
    if (code == NGHTTP2_REFUSED_STREAM && !got_bytes_ && !retried_) {
        retried_ = true;
        return attach();
    }
    fail(upstream_error::reset);
    notify();
}

void h2_exchange::on_connection_failed(upstream_error error) {
    stream_id_ = 0;
    if (ended_ || error_) {
        return;
    }
    // A connection that was up when the stream was sent and died before any answer (the
    // upstream closed it while idle) is retried once on a fresh one, as HTTP/1.1 does.
    if (was_ready_ && !got_bytes_ && !retried_ && error == upstream_error::reset) {
        retried_ = true;
        return attach();
    }
    fail(error);
    notify();
}

void h2_exchange::notify() {
    bool ready = false;
    switch (waiting_) {
        case waiting::nothing:
            return;
        case waiting::head:
            ready = head_done_ || error_.has_value();
            break;
        case waiting::body:
            ready = !inbox_.empty() || ended_ || error_.has_value();
            break;
    }
    if (!ready) {
        return;
    }
    waiting_ = waiting::nothing;
    timer_.cancel();
    // Never inside nghttp2's callbacks or start(): the handler may cancel or drop the exchange.
    asio::post(pool_->context_, [self = shared_from_this()] {
        auto done = std::move(self->done_);
        done(self->error_);
    });
}

void h2_exchange::arm(clock::time_point deadline) {
    timer_.expires_at(deadline);
    // A wait that completed just before a cancel must not end a later one.
    const unsigned generation = ++timer_generation_;
    timer_.async_wait([self = weak_from_this(), generation](beast::error_code ec) {
        if (auto alive = self.lock(); alive && !ec && alive->timer_generation_ == generation) {
            alive->on_timer();
        }
    });
}

void h2_exchange::on_timer() {
    if (waiting_ == waiting::nothing) {
        return;
    }
    waiting_ = waiting::nothing;
    fail(upstream_error::timeout);
    auto done = std::move(done_);
    done(error_);
}

std::optional<std::uint64_t> h2_exchange::content_length() const {
    const std::string_view text = head_.fields["content-length"];
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

body_piece h2_exchange::next_piece() {
    if (error_) {
        return {body_piece::kind::failed, {}};
    }
    if (!inbox_.empty()) {
        piece_.swap(inbox_);
        inbox_.clear();
        if (connection_) {
            connection_->consume(stream_id_, piece_.size());
        }
        return {body_piece::kind::data, piece_};
    }
    if (ended_) {
        complete();
        return {body_piece::kind::end, {}};
    }
    return {body_piece::kind::need_read, {}};
}

void h2_exchange::read_more(step_handler done) {
    done_ = std::move(done);
    waiting_ = waiting::body;
    arm(clock::now() + timeout_);
    notify();
}

void h2_exchange::cancel() {
    if (!finished_) {
        fail(upstream_error::reset);
    }
}

void h2_exchange::complete() {
    if (finished_) {
        return;
    }
    finished_ = true;
    latency_ = clock::now() - started_;
    detach(false);
}

void h2_exchange::fail(upstream_error error) {
    if (!error_) {
        error_ = error;
        latency_ = clock::now() - started_;
    }
    finished_ = true;
    detach(true);
}

void h2_exchange::detach(bool reset) {
    if (!connection_) {
        return;
    }
    // The connection may release its last reference to itself in forget(): keep it until done.
    const auto connection = std::move(connection_);
    connection->forget(stream_id_, reset && stream_id_ > 0, inbox_.size());
    stream_id_ = 0;
}

}  // namespace shadowproxy::upstream
