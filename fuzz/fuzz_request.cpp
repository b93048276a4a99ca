// libFuzzer target: the client request path of src/proxy/client_session.cpp on raw bytes, the
// same steps in the same order as the session (bare-LF check, obs-fold check, a fresh Beast
// request_parser with the header and body limits, framing_problem, the body, forward and
// upstream_head), without sockets.
//
// Oracle against request smuggling: whatever the proxy accepts and forwards must re-parse, as a
// strict HTTP/1.1 parser at the upstream would, into exactly one request with the same method,
// target and body, no Transfer-Encoding, and no byte left over for a second request.
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "shadowproxy/proxy/rewrite.hpp"
#include "shadowproxy/upstream/forwarded_request.hpp"

namespace http = boost::beast::http;
namespace sp = shadowproxy::proxy;
namespace su = shadowproxy::upstream;

namespace {

constexpr std::size_t max_header_bytes = 4096;
constexpr std::size_t max_body_bytes = 65536;

void check_forwarded(const su::forwarded_request& request) {
    const std::string head = su::upstream_head(request, "127.0.0.1:9");
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
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto end = bytes.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        static_cast<void>(sp::has_bare_line_feed(bytes));
        return 0;  // the session keeps reading (or times out / answers 431 on size)
    }
    const std::size_t header_bytes = end + 4;
    const std::string_view block = bytes.substr(0, header_bytes);
    if (sp::has_bare_line_feed(block) || header_bytes > max_header_bytes + 4 ||
        sp::has_obs_fold(block)) {
        return 0;  // 400 / 431 and the connection closes
    }
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(max_header_bytes + 4));
    parser.body_limit(max_body_bytes);
    boost::beast::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(block.data(), block.size()), ec);
    if (ec || !parser.is_header_done()) {
        return 0;
    }
    std::string request_id = sp::choose_request_id(parser.get());
    if (!sp::framing_problem(parser.get()).empty()) {
        return 0;
    }
    // The body: whatever follows the head, fed as the session's async_read would.
    std::string_view rest = bytes.substr(used);
    while (!parser.is_done() && !rest.empty()) {
        const std::size_t n = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
        if (ec == http::error::need_more) {
            return 0;  // the session waits for more bytes
        }
        if (ec) {
            return 0;  // 400 / 413
        }
        if (n == 0) {
            return 0;
        }
        rest.remove_prefix(n);
    }
    if (!parser.is_done()) {
        return 0;
    }
    const auto forwarded = sp::forward(parser.release(), "127.0.0.1", std::move(request_id));
    check_forwarded(*forwarded);
    return 0;
}
