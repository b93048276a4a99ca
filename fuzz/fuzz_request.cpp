// libFuzzer target: the client request path of src/proxy/client_session.cpp on raw bytes, the
// same steps in the same order as the session (leading empty lines skipped, bare-LF, obs-fold
// and field-count checks, a fresh request_parser with the header and body limits,
// framing_problem, check_request_line, the body fed as the session feeds it with the trailer
// section checked at the last chunk and the held-back bytes bounded by
// chunked_backlog_problem, trailer fields dropped, forward and upstream_head), without sockets.
//
// Oracle of the parser: request_parser (its fast path for plain heads, else Beast's
// basic_parser) agrees with Beast's request_parser on every head (error or not, method, target,
// version, each name's fields in order) and every length-delimited body.
//
// Oracle against request smuggling and header injection: whatever the proxy accepts and
// forwards must re-parse, as a strict HTTP/1.1 parser at the upstream would, into exactly one
// request with the same method, target and body, no Transfer-Encoding, no byte left over for a
// second request, an origin-form target without dot-segments, and only header fields that the
// client sent in the head or that the proxy sets itself: never a trailer field.
#include <algorithm>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shadowproxy/proxy/request_parser.hpp"
#include "shadowproxy/proxy/request_rules.hpp"
#include "shadowproxy/proxy/rewrite.hpp"
#include "shadowproxy/upstream/forwarded_request.hpp"

namespace http = boost::beast::http;
namespace sp = shadowproxy::proxy;
namespace su = shadowproxy::upstream;

namespace {

constexpr std::size_t max_header_bytes = 4096;
constexpr std::size_t max_body_bytes = 65536;
constexpr std::size_t max_header_fields = 100;
constexpr std::string_view shadow_header = "X-Shadow-Request";
const std::vector<std::string> allowed_methods{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"};
const std::vector<std::string> owned_by_shadow{"X-Model-Candidate"};

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Beast's own request parser: what request_parser's fast path must agree with.
using reference_parser = http::request_parser<http::string_body>;

// Fields as (lower-case name, value), grouped by name with each name's fields in their order:
// Beast's basic_fields files a repeated name next to its first occurrence, request_head keeps
// the order they came in.
using field_rows = std::vector<std::pair<std::string, std::string>>;

field_rows grouped(field_rows rows) {
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return rows;
}

bool same_head(const shadowproxy::net::request_head& head, const reference_parser::value_type& m) {
    if (head.method != m.method_string() || head.target != m.target() ||
        head.version != m.version()) {
        return false;
    }
    field_rows ours;
    for (const auto [name, value] : head.fields) {
        ours.emplace_back(lower(name), value);
    }
    field_rows beasts;
    for (const auto& field : m) {
        beasts.emplace_back(lower(field.name_string()), field.value());
    }
    return grouped(std::move(ours)) == grouped(std::move(beasts));
}

void check_forwarded(const su::forwarded_request& request, const std::set<std::string>& head_names,
                     bool as_shadow) {
    const std::string extra =
        as_shadow ? "X-Shadow-Request: true\r\nX-Model-Candidate: v2\r\n" : "";
    const std::string head = su::upstream_head(
        request, "127.0.0.1:9", extra, as_shadow ? owned_by_shadow : std::vector<std::string>{});
    const std::string wire = head + request.body;
    http::request_parser<http::string_body> upstream;
    upstream.eager(true);
    upstream.header_limit(1U << 20);
    upstream.body_limit(1U << 20);
    boost::beast::error_code ec;
    const std::size_t used = upstream.put(boost::asio::buffer(wire), ec);
    if (ec || !upstream.is_done() || used != wire.size()) {
        __builtin_trap();  // the upstream would see garbage, a partial or a second request
    }
    const auto& seen = upstream.get();
    if (seen.method_string() != request.method || seen.target() != request.target ||
        seen.body() != request.body || seen.chunked() ||
        seen.count(http::field::transfer_encoding) != 0 ||
        seen.count(http::field::content_length) > 1 || seen.count(http::field::host) != 1 ||
        sp::has_obs_fold(head) || sp::has_bare_line_feed(head)) {
        __builtin_trap();
    }
    if (request.target != "*" && (request.target.empty() || request.target.front() != '/' ||
                                  sp::remove_dot_segments(request.path) != request.path)) {
        __builtin_trap();  // not origin-form, or a dot-segment could escape a path prefix
    }
    static const std::set<std::string> set_by_proxy{
        "host",         "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
        "x-request-id", "content-length"};
    std::size_t markers = 0;
    std::size_t candidates = 0;
    for (const auto& field : seen) {
        const std::string name = lower(field.name_string());
        markers += name == "x-shadow-request";
        candidates += name == "x-model-candidate";
        if (name == "x-shadow-request" || (as_shadow && name == "x-model-candidate")) {
            continue;
        }
        if (head_names.count(name) == 0 && set_by_proxy.count(name) == 0) {
            __builtin_trap();  // a field the client never sent in the head: a trailer leaked
        }
    }
    if (markers != (as_shadow ? 1U : 0U) || (as_shadow && candidates != 1)) {
        __builtin_trap();  // the client spoofed a header the proxy owns
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    while (bytes.substr(0, 2) == "\r\n") {
        bytes.remove_prefix(2);
    }
    const auto end = bytes.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        static_cast<void>(sp::has_bare_line_feed(bytes));
        return 0;  // the session keeps reading (or times out / answers 431 on size)
    }
    const std::size_t header_bytes = end + 4;
    const std::string_view block = bytes.substr(0, header_bytes);
    if (sp::has_bare_line_feed(block) || header_bytes > max_header_bytes + 4 ||
        sp::has_obs_fold(block) || sp::count_field_lines(block) > max_header_fields) {
        return 0;  // 400 / 431 and the connection closes
    }
    sp::request_parser parser;
    parser.header_limit(static_cast<std::uint32_t>(max_header_bytes + 4));
    parser.body_limit(max_body_bytes);
    boost::beast::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(block.data(), block.size()), ec);
    reference_parser reference;
    reference.header_limit(static_cast<std::uint32_t>(max_header_bytes + 4));
    reference.body_limit(max_body_bytes);
    boost::beast::error_code reference_ec;
    if (reference.put(boost::asio::buffer(block.data(), block.size()), reference_ec) != used ||
        !reference_ec != !ec || reference.is_header_done() != parser.is_header_done() ||
        (parser.is_header_done() && !same_head(parser.head(), reference.get()))) {
        __builtin_trap();  // the fast path read a head differently from Beast
    }
    if (ec || !parser.is_header_done()) {
        return 0;
    }
    std::string request_id = sp::choose_request_id(parser.head());
    if (!sp::framing_problem(parser.head()).empty()) {
        return 0;
    }
    auto line = sp::check_request_line(parser.head(), allowed_methods);
    if (line.status != 0) {
        return 0;  // 400 / 405
    }
    std::set<std::string> head_names;
    for (const auto [name, value] : parser.head().fields) {
        head_names.insert(lower(name));
    }

    // The body: whatever follows the head, fed as the session does, in two reads to exercise
    // the held-back bytes between puts.
    parser.eager(true);
    reference.eager(true);
    const std::string_view body_bytes = bytes.substr(used);
    const std::size_t split = body_bytes.empty() ? 0 : data[0] % body_bytes.size();
    std::string pending;
    for (const auto piece : {body_bytes.substr(0, split), body_bytes.substr(split)}) {
        pending.append(piece);
        while (!parser.is_done() && !pending.empty()) {
            const std::size_t n = parser.put(boost::asio::buffer(pending), ec);
            if (!parser.chunked()) {
                reference_ec = {};
                if (reference.put(boost::asio::buffer(pending), reference_ec) != n ||
                    reference.is_done() != parser.is_done() ||
                    reference.get().body() != parser.body()) {
                    __builtin_trap();  // a length-delimited body read differently from Beast
                }
            }
            pending.erase(0, n);
            if (ec == http::error::need_more) {
                ec = {};
                break;
            }
            if (ec || n == 0) {
                return 0;  // 400 / 413
            }
        }
        if (!parser.is_done() && parser.chunked()) {
            if (!sp::chunked_backlog_problem(pending, max_header_bytes).empty()) {
                return 0;  // 400: a chunk line or trailer section held back past its bound
            }
            if (pending.size() > 4 + sp::max_chunk_line_bytes + max_header_bytes) {
                __builtin_trap();  // memory held for one request would not be bounded
            }
        }
    }
    if (!parser.is_done()) {
        return 0;
    }
    sp::forward_options options;
    options.target = line.target;
    options.path = line.path;
    options.forwarded_host = line.authority;
    options.owned_header = shadow_header;
    const auto forwarded = sp::forward(parser.head(), std::move(parser.body()), "127.0.0.1",
                                       std::move(request_id), options);
    check_forwarded(*forwarded, head_names, false);
    check_forwarded(*forwarded, head_names, true);
    return 0;
}
