#include "shadowproxy/proxy/h2_stream.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstring>

#include "shadowproxy/mirror/sampler.hpp"
#include "shadowproxy/oip/grpc_message.hpp"
#include "shadowproxy/proxy/h2_session.hpp"
#include "shadowproxy/proxy/rewrite.hpp"
#include "shadowproxy/proxy/worker.hpp"

namespace shadowproxy::proxy {

namespace {

nghttp2_nv make_nv(std::string_view name, std::string_view value) {
    return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
            reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
            value.size(), NGHTTP2_NV_FLAG_NONE};
}

ssize_t read_stream_body(nghttp2_session*, std::int32_t, std::uint8_t* buffer, std::size_t length,
                         std::uint32_t* flags, nghttp2_data_source* source, void*) {
    return static_cast<h2_stream*>(source->ptr)->read_body(buffer, length, flags);
}

// A failed production exchange as a gRPC status: DEADLINE_EXCEEDED for a timeout, else
// UNAVAILABLE.
int grpc_failure_status(upstream::upstream_error error) {
    return error == upstream::upstream_error::timeout ? oip::grpc_deadline_exceeded
                                                      : oip::grpc_unavailable;
}

}  // namespace

h2_stream::h2_stream(std::shared_ptr<h2_session> session, std::int32_t id)
    : session_(std::move(session)),
      id_(id),
      request_(session_->owner().snapshot().config->limits),
      config_(session_->owner().snapshot().config) {}

void h2_stream::on_header(std::string_view name, std::string_view value, bool trailer) {
    request_.add_field(name, value, trailer);
    // Known from the head on, so that even a refusal before the body is answered as gRPC.
    if (!trailer && name == "content-type") {
        grpc_ = oip::is_grpc_content_type(value);
    }
}

// The head is known: what it alone decides is answered now, before any body is read.
void h2_stream::on_headers_end() {
    if (const auto verdict = request_.head_verdict(); verdict.status != 0) {
        respond_error(verdict.status, verdict.message);
    }
}

void h2_stream::on_data(const std::uint8_t* data, std::size_t length) {
    if (!answered_ && !request_.add_body({reinterpret_cast<const char*>(data), length})) {
        respond_error(413, "request body too large");
    }
}

void h2_stream::on_request_end() {
    ended_ = true;
    if (answered_) {
        return;
    }
    auto& owner = session_->owner();
    const auto& snapshot = owner.snapshot();
    if (request_.trailer_fields() != 0) {
        owner.shared().metrics.request_trailer_fields_dropped.inc(request_.trailer_fields());
    }
    const auto verdict = request_.finish(
        session_->client_address(), snapshot.config->mirror.shadow_header_name, session_->is_tls());
    request_id_ = request_.request_id();
    if (verdict.status != 0) {
        return respond_error(verdict.status, verdict.message, verdict.allow);
    }
    answered_ = true;
    forwarded_ = request_.request();
    if (snapshot.shadows && !snapshot.shadows->shadows.empty()) {
        copies_ = owner.shared().mirror.offer(*snapshot.shadows, forwarded_);
    }
    observer_ =
        copies_.empty() ? nullptr : llm::observer_for(snapshot.config->compare, forwarded_->path);
    const auto& pool = snapshot.production;
    const auto& settings = pool->settings();
    // A gRPC call's deadline caps production's timeout; its failures are answered as gRPC.
    std::optional<std::chrono::milliseconds> deadline;
    if (grpc_) {
        deadline =
            oip::parse_grpc_timeout(mirror::find_header(forwarded_->headers, "grpc-timeout"));
    }
    exchange_ = pool->open(upstream::upstream_head(*forwarded_, {.host = settings.authority,
                                                                 .base_path = settings.base_path}),
                           forwarded_, deadline);
    head_pending_ = true;
    exchange_->start([self = shared_from_this()](std::optional<upstream::upstream_error> error) {
        self->on_production_head(error);
    });
}

bool h2_stream::abandon_if_closed(std::optional<upstream::upstream_error> error) {
    if (!closed_) {
        return false;
    }
    // The client reset the stream (or the connection went) while production answered.
    if (!error) {
        exchange_->cancel();
    }
    report(production_end::failed(error.value_or(upstream::upstream_error::reset), !error));
    return true;
}

void h2_stream::on_production_head(std::optional<upstream::upstream_error> error) {
    head_pending_ = false;
    if (abandon_if_closed(error)) {
        return;
    }
    std::optional<h2_fields> fields;
    if (!error) {
        fields = h2_response_fields(exchange_->head(), request_id_);
        if (!fields) {
            exchange_->cancel();
            error = metrics::upstream_error::bad_response;
        }
    }
    auto& production = *session_->owner().snapshot().production_metrics;
    if (error) {
        report(production_end::failed(*error));
        const unsigned status = error == metrics::upstream_error::timeout ? 504 : 502;
        spdlog::warn("request {}: {} ({} {})", request_id_, production_error_message(*error),
                     forwarded_->method, forwarded_->path);
        production.count_response(status);
        if (grpc_) {
            respond_grpc_error(*error);
        } else {
            respond_error(status, production_error_message(*error));
        }
        return session_->flush();
    }
    const unsigned status = exchange_->head().status;
    production.count_response(status);
    const auto& config = *session_->owner().snapshot().config;
    capture_ = upstream::body_capture(copies_.empty() ? 0 : config.compare.max_body_bytes);
    capture_.observe(observer_.get());
    const bool with_body = exchange_->has_body();
    for (const auto& [name, value] : *fields) {
        sized_answer_ = sized_answer_ || name == "content-length";
    }
    submit(status, *fields, with_body);
    if (!with_body) {
        report(production_end::relayed(&capture_, std::move(observer_)));
    }
    session_->flush();
}

ssize_t h2_stream::read_body(std::uint8_t* buffer, std::size_t length, std::uint32_t* flags) {
    while (sent_ == pending_.size()) {
        if (read_error_) {
            report(production_end::failed(*read_error_));
            spdlog::warn("request {}: {} after the answer's head; {} ({} {})", request_id_,
                         production_error_message(*read_error_),
                         grpc_ && !sized_answer_ ? "gRPC status in trailers" : "stream reset",
                         forwarded_->method, forwarded_->path);
            // With a content-length relayed, the client would take a shorter body as malformed.
            if (grpc_ && !sized_answer_ && submit_grpc_failure(*read_error_, flags)) {
                return 0;
            }
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        }
        if (body_done_) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            if (exchange_) {
                submit_trailers(flags);
                report(production_end::relayed(&capture_, std::move(observer_)));
            }
            return 0;
        }
        const upstream::body_piece piece = exchange_->next_piece();
        switch (piece.what) {
            case upstream::body_piece::kind::data:
                capture_.append(piece.data);
                pending_.assign(piece.data);
                sent_ = 0;
                break;
            case upstream::body_piece::kind::end:
                body_done_ = true;
                break;
            case upstream::body_piece::kind::need_read:
                read_more();
                return NGHTTP2_ERR_DEFERRED;
            case upstream::body_piece::kind::failed:
                read_error_ = exchange_->error().value_or(upstream::upstream_error::reset);
                break;
        }
    }
    const std::size_t n = std::min(length, pending_.size() - sent_);
    std::memcpy(buffer, pending_.data() + sent_, n);
    sent_ += n;
    return static_cast<ssize_t>(n);
}

void h2_stream::read_more() {
    if (reading_) {
        return;
    }
    reading_ = true;
    exchange_->read_more([self = shared_from_this()](std::optional<upstream::upstream_error> e) {
        self->on_read_more(e);
    });
}

void h2_stream::on_read_more(std::optional<upstream::upstream_error> error) {
    reading_ = false;
    if (abandon_if_closed(error)) {
        return;
    }
    read_error_ = error;
    nghttp2_session_resume_data(session_->nghttp(), id_);
    session_->flush();
}

void h2_stream::on_closed() {
    closed_ = true;
    if (exchange_ && !reported_ && !head_pending_ && !reading_) {
        // Reset by the client (or the connection lost) with the answer half sent.
        exchange_->cancel();
        report(production_end::failed(upstream::upstream_error::reset, true));
    }
}

bool h2_stream::waiting_on_production() const {
    return exchange_ && !reported_ && (head_pending_ || reading_);
}

void h2_stream::report(production_end&& end) {
    if (reported_) {
        return;
    }
    reported_ = true;
    if (end.error) {
        end.capture = nullptr;
    }
    report_production(session_->owner().snapshot(), *exchange_, copies_, std::move(end));
}

void h2_stream::submit(unsigned status, const h2_fields& fields, bool with_body) {
    char digits[4] = {};
    std::to_chars(digits, digits + 3, status);
    std::vector<nghttp2_nv> nva;
    nva.reserve(fields.size() + 1);
    nva.push_back(make_nv(":status", std::string_view(digits, 3)));
    for (const auto& [name, value] : fields) {
        nva.push_back(make_nv(name, value));
    }
    nghttp2_data_provider provider{};
    provider.source.ptr = this;
    provider.read_callback = read_stream_body;
    nghttp2_submit_response(session_->nghttp(), id_, nva.data(), nva.size(),
                            with_body ? &provider : nullptr);
}

// Production's trailers (gRPC's grpc-status, grpc-message) end the stream as a HEADERS frame
// after the last DATA. nghttp2 copies the fields.
void h2_stream::submit_trailers(std::uint32_t* flags) {
    const auto& trailers = exchange_->trailers();
    if (trailers.empty()) {
        return;
    }
    std::vector<std::string> names;
    std::vector<nghttp2_nv> nva;
    for (const auto& field : trailers) {
        names.emplace_back(field.name);
        std::transform(names.back().begin(), names.back().end(), names.back().begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }
    std::size_t i = 0;
    for (const auto& field : trailers) {
        nva.push_back(make_nv(names[i++], field.value));
    }
    if (nghttp2_submit_trailer(session_->nghttp(), id_, nva.data(), nva.size()) == 0) {
        *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
    }
}

// gRPC clients read a failed call's status from grpc-status, not from an HTTP status: the proxy
// answers 200 with a trailers-only HEADERS frame (END_STREAM).
void h2_stream::respond_grpc_error(upstream::upstream_error error) {
    answered_ = true;
    exchange_.reset();
    submit_grpc_status(grpc_failure_status(error), production_error_message(error));
}

void h2_stream::submit_grpc_status(int code, std::string_view message) {
    submit(200,
           {{"content-type", "application/grpc"},
            {"grpc-status", std::to_string(code)},
            {"grpc-message", oip::grpc_message_value(message)},
            {"x-request-id", request_id_}},
           false);
}

// Production failed with part of its answer relayed: the call still ends with a status the
// client can read (trailers after the DATA sent so far) rather than only a reset.
bool h2_stream::submit_grpc_failure(upstream::upstream_error error, std::uint32_t* flags) {
    const std::string code = std::to_string(grpc_failure_status(error));
    const std::string message = oip::grpc_message_value(production_error_message(error));
    const std::array<nghttp2_nv, 2> nva{make_nv("grpc-status", code),
                                        make_nv("grpc-message", message)};
    if (nghttp2_submit_trailer(session_->nghttp(), id_, nva.data(), nva.size()) != 0) {
        return false;
    }
    *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
    return true;
}

void h2_stream::respond_error(unsigned status, std::string_view message, std::string_view allow) {
    if (answered_ && exchange_ == nullptr) {
        return;
    }
    early_answer_ = !ended_;
    answered_ = true;
    if (request_id_.empty()) {
        request_id_ = make_request_id();
    }
    if (status != 502 && status != 504) {
        session_->owner().shared().local_errors.count_response(status);
    }
    sent_ = 0;
    body_done_ = true;
    exchange_.reset();
    if (grpc_) {
        // A gRPC client reads grpc-status, not the HTTP status or a JSON body.
        pending_.clear();
        return submit_grpc_status(oip::grpc_status_for_http(status), message);
    }
    pending_ = error_json(message, request_id_);
    h2_fields fields{{"content-type", "application/json"},
                     {"content-length", std::to_string(pending_.size())},
                     {"x-request-id", request_id_}};
    if (!allow.empty()) {
        fields.emplace_back("allow", allow);
    }
    submit(status, fields, true);
}

}  // namespace shadowproxy::proxy
