// One HTTP/2 stream of an h2_session: collects the request (h2_request_builder: limits, then the
// same upstream::forwarded_request the HTTP/1.1 path builds), offers it
// to the mirror, sends it to production through the worker's upstream_pool and relays the answer
// as HEADERS + DATA. The DATA source defers while no body piece is buffered and resumes after
// read_more, so production is read only as fast as the client's flow-control window lets the
// answer go (backpressure like response_relay); the first compare.max_body_bytes are kept for
// the comparator. The proxy's own answers (400, 405, 413, 431, 502, 504) carry the JSON body of
// the HTTP/1.1 path. gRPC (a request with content-type application/grpc…): production's
// trailers follow the body as a trailing HEADERS frame, grpc-timeout caps production's timeout,
// and the proxy's own answers are gRPC statuses instead of JSON (trailers-only, HTTP 200:
// oip::grpc_status_for_http of the refusal, DEADLINE_EXCEEDED for production's timeout,
// UNAVAILABLE for its other failures).
//
// Owned by its session's stream map until nghttp2 closes the stream; pending production
// callbacks keep it (and through it the session) alive. Worker thread only. Never throws: a
// production failure after the head resets the stream (INTERNAL_ERROR), or on a gRPC call whose
// relayed head has no content-length ends it with trailers carrying the status; nothing else.
#pragma once

#include <nghttp2/nghttp2.h>

#include <boost/beast/http.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shadowproxy/proxy/h2_request.hpp"
#include "shadowproxy/proxy/production_answer.hpp"

namespace shadowproxy::proxy {

class h2_session;

using h2_fields = std::vector<std::pair<std::string, std::string>>;

class h2_stream : public std::enable_shared_from_this<h2_stream> {
public:
    h2_stream(std::shared_ptr<h2_session> session, std::int32_t id);

    // nghttp2's callbacks, through the session. `trailer`: a field of a trailer section (never
    // forwarded, like HTTP/1.1 trailers).
    void on_header(std::string_view name, std::string_view value, bool trailer);
    void on_headers_end();
    void on_data(const std::uint8_t* data, std::size_t length);
    void on_request_end();
    void on_closed();
    // The DATA source (nghttp2_data_source_read_callback).
    ssize_t read_body(std::uint8_t* buffer, std::size_t length, std::uint32_t* flags);

    // Production holds this stream (its head or more of its body is awaited): the connection is
    // not idle.
    bool waiting_on_production() const;
    // The proxy answered before the request's end (413, 431): the rest is refused with
    // RST_STREAM(NO_ERROR) once the answer is sent.
    bool reset_after_answer() const { return early_answer_; }

private:
    void on_production_head(std::optional<upstream::upstream_error> error);
    void read_more();
    void on_read_more(std::optional<upstream::upstream_error> error);
    void report(production_end&& end);
    // After production's step: when the stream is gone, gives up on the exchange and reports it
    // (a client abort unless production failed first); true then.
    bool abandon_if_closed(std::optional<upstream::upstream_error> error);
    void submit(unsigned status, const h2_fields& fields, bool with_body);
    void respond_error(unsigned status, std::string_view message, std::string_view allow = {});
    void respond_grpc_error(upstream::upstream_error error);
    // A trailers-only gRPC answer (HEADERS with END_STREAM).
    void submit_grpc_status(int code, std::string_view message);
    // Inside read_body: trailers with the failure's status end the stream; false when nghttp2
    // refused them.
    bool submit_grpc_failure(upstream::upstream_error error, std::uint32_t* flags);
    void submit_trailers(std::uint32_t* flags);

    std::shared_ptr<h2_session> session_;
    std::int32_t id_;
    h2_request_builder request_;
    std::shared_ptr<const config::config> config_;  // keeps request_'s limits alive
    bool closed_ = false;
    bool ended_ = false;     // END_STREAM came from the client
    bool answered_ = false;  // the request went to production, or the proxy answered itself
    bool early_answer_ = false;
    bool grpc_ = false;  // content-type application/grpc…: the proxy's answers are gRPC statuses
    std::string request_id_;
    std::shared_ptr<const upstream::forwarded_request> forwarded_;
    mirror::production_slot copies_;
    std::shared_ptr<llm::stream_observer> observer_;  // compare.mode openai, copies only
    std::shared_ptr<upstream::exchange> exchange_;
    upstream::body_capture capture_{0};
    std::optional<upstream::upstream_error> read_error_;
    bool head_pending_ = false;
    bool reading_ = false;
    bool reported_ = false;
    bool sized_answer_ = false;  // the relayed head has a content-length
    std::string pending_;        // the body piece (or the proxy's own body) being sent
    std::size_t sent_ = 0;
    bool body_done_ = false;
};

}  // namespace shadowproxy::proxy
