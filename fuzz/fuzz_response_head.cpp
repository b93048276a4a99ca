// libFuzzer target: production's answer as src/upstream/http1_exchange.cpp receives it (an
// answer_parser over Beast's basic_parser) turned into the head the client gets by
// client_response_head. Oracle: when
// the proxy would pass the answer on (non-empty head), the client's bytes (framed as the relay
// frames them) parse as exactly one well-framed response carrying the same body: one
// Content-Length for a length answer, Transfer-Encoding: chunked only for a chunked one.
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "shadowproxy/proxy/rewrite.hpp"
#include "shadowproxy/upstream/answer_parser.hpp"

namespace http = boost::beast::http;
namespace sp = shadowproxy::proxy;

namespace {

// Feeds everything, collecting the body pieces as the exchange hands them out.
void parse(shadowproxy::upstream::answer_parser& parser, std::string_view bytes, std::string& body,
           boost::beast::error_code& ec) {
    while (!parser.is_done()) {
        const std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
        bytes.remove_prefix(used);
        body.append(parser.take_piece());
        if (ec == http::error::need_buffer && used > 0) {
            ec = {};
            continue;
        }
        if (ec || used == 0) {
            return;
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const bool keep_alive = (data[0] & 1) != 0;
    const unsigned client_version = (data[0] & 2) != 0 ? 11 : 10;
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    shadowproxy::net::response_head response;
    shadowproxy::upstream::answer_parser parser(response);
    parser.eager(true);
    parser.header_limit(8192);
    parser.body_limit(65536);
    boost::beast::error_code ec;
    std::string body;
    parse(parser, bytes, body, ec);
    if (!ec && !parser.is_done() && parser.is_header_done() && !parser.chunked() &&
        !parser.content_length()) {
        parser.put_eof(ec);  // body until close
    }
    if (ec || !parser.is_done()) {
        return 0;
    }
    const unsigned status = response.status;
    const bool body_expected = status >= 200 && status != 204 && status != 304;
    std::optional<std::uint64_t> length;
    if (parser.content_length()) {
        length = *parser.content_length();
    }
    const sp::body_framing framing = sp::client_framing(body_expected, length, client_version);
    const std::string head = sp::client_response_head(response, framing, body.size(), "id-1",
                                                      keep_alive, client_version);
    if (head.empty()) {
        return 0;  // 502
    }
    std::string wire = head;
    if (framing == sp::body_framing::chunked) {
        if (!body.empty()) {
            char size_line[32];
            std::snprintf(size_line, sizeof size_line, "%zx\r\n", body.size());
            wire.append(size_line).append(body).append("\r\n");
        }
        wire.append("0\r\n\r\n");
    } else if (body_expected) {
        wire.append(body);
    }
    http::response_parser<http::string_body> client;
    client.eager(true);
    client.header_limit(1U << 20);
    client.body_limit(1U << 20);
    if (!body_expected) {
        client.skip(true);
    }
    const std::size_t used = client.put(boost::asio::buffer(wire), ec);
    if (!ec && !client.is_done() && framing == sp::body_framing::close) {
        client.put_eof(ec);
    }
    if (ec || !client.is_done() || used != wire.size()) {
        __builtin_trap();
    }
    const auto& seen = client.get();
    const bool chunked = framing == sp::body_framing::chunked;
    if (seen.count(http::field::transfer_encoding) != (chunked ? 1U : 0U) ||
        (framing == sp::body_framing::length && seen.count(http::field::content_length) != 1) ||
        (body_expected && seen.body() != body)) {
        __builtin_trap();
    }
    return 0;
}
