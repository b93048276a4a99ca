// The proxying rules of README (Configuration) as pure functions over message heads: framing checks
// that close request-smuggling holes, hop-by-hop stripping, X-Forwarded-*, X-Request-Id, and the
// serialisation of the head sent back to the client (the head sent upstream is
// upstream::upstream_head).
//
// No I/O and no state: any thread may call them. Problems are returned, never thrown.
#pragma once

#include <boost/beast/http.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "shadowproxy/net/field_list.hpp"
#include "shadowproxy/proxy/request_rules.hpp"
#include "shadowproxy/upstream/forwarded_request.hpp"

namespace shadowproxy::proxy {

namespace http = boost::beast::http;

// A reason to answer 400 for framing Beast accepts but a proxy must not: a Transfer-Encoding
// other than exactly "chunked", or header values carrying CR/LF. Empty when the head is fine.
std::string framing_problem(const net::request_head& head);

// Header block bytes [begin, end) contain an obs-fold (CRLF followed by SP or HTAB).
bool has_obs_fold(std::string_view header_block);

// A line feed not preceded by a carriage return (a bare-LF line ending, rejected with 400:
// Beast would wait for CRLF forever).
bool has_bare_line_feed(std::string_view bytes);

// A new random UUIDv4 in its canonical text form.
std::string make_request_id();

// The id to use: the client's X-Request-Id when it is a sane token, else a new one.
std::string choose_request_id(const net::request_head& head);

// What the request rules (request_rules.hpp) decided, for forward().
struct forward_options {
    std::string target;             // origin-form to send; empty: the request's own
    std::string path;               // target without the query, with `target`
    std::string forwarded_host;     // the client's authority; empty: no X-Forwarded-Host
    std::string_view owned_header;  // mirror.shadow_header.name: no client copy goes anywhere
    bool tls = false;               // the client came over TLS: X-Forwarded-Proto is https
};

// The options for a request whose line and Host passed check_request_line (HTTP/1.1 and HTTP/2
// alike).
forward_options forward_options_for(request_line_check&& line, std::string_view owned_header,
                                    bool tls);

// The Allow header's value for a 405: the allowed methods, comma-separated.
std::string allow_value(const std::vector<std::string>& methods);

// Strips hop-by-hop headers (and those any Connection field lists, in one pass), the client's
// copies of owned_header, X-Forwarded-Host and X-Forwarded-Proto; appends X-Forwarded-For, sets
// X-Forwarded-Host, X-Forwarded-Proto and X-Request-Id, and fixes Content-Length to the
// de-chunked body.
std::shared_ptr<const upstream::forwarded_request> forward(const net::request_head& head,
                                                           std::string&& body,
                                                           std::string_view client_address,
                                                           std::string request_id,
                                                           const forward_options& options = {});

// The names every Connection field of `fields` lists, lower-cased.
std::unordered_set<std::string> connection_tokens(const net::field_list& fields);

// How the body relayed to the client is delimited.
enum class body_framing {
    none,     // no body follows (HEAD, 204, 304): the upstream's Content-Length passes through
    length,   // Content-Length: the upstream's own length, the body streamed as it comes
    chunked,  // Transfer-Encoding: chunked, each piece read from the upstream sent as one chunk
    close,    // until the proxy closes the connection (HTTP/1.0 client, no upstream length)
};

// none without a body; length when the upstream sent a Content-Length; otherwise (upstream
// chunked or delimited by close) chunked for an HTTP/1.1 client and close for HTTP/1.0.
body_framing client_framing(bool body_expected, std::optional<std::uint64_t> content_length,
                            unsigned client_version);

// The head of the response to the client: status line, end-to-end headers of the upstream
// response, X-Request-Id, the framing's header (Content-Length: content_length, or
// Transfer-Encoding: chunked) and the connection decision (close framing implies
// Connection: close). Returns an empty string when a header value would break the framing or
// the status is not a final one (below 200), then the proxy answers 502.
std::string client_response_head(const net::response_head& upstream, body_framing framing,
                                 std::uint64_t content_length, std::string_view request_id,
                                 bool keep_alive, unsigned client_version);

// The fields of production's answer for an HTTP/2 client: names lower-cased, hop-by-hop fields
// (and those Connection lists) and production's X-Request-Id dropped, x-request-id set; the
// upstream's Content-Length kept. nullopt when a value carries a line break or the status is not
// a final one (then the proxy answers 502).
std::optional<std::vector<std::pair<std::string, std::string>>> h2_response_fields(
    const net::response_head& upstream, std::string_view request_id);

// Whether a header is hop-by-hop in a message whose Connection header is `connection`.
bool is_hop_by_hop(std::string_view name, std::string_view connection);

}  // namespace shadowproxy::proxy
