// libFuzzer target: production's answer as src/upstream/pool.cpp receives it (a Beast
// response_parser) turned into the head the client gets by client_response_head. Oracle: when
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

namespace http = boost::beast::http;
namespace sp = shadowproxy::proxy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const bool keep_alive = (data[0] & 1) != 0;
    const unsigned client_version = (data[0] & 2) != 0 ? 11 : 10;
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.header_limit(8192);
    parser.body_limit(65536);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    if (!ec && !parser.is_done() && parser.is_header_done() && !parser.chunked() &&
        !parser.content_length()) {
        parser.put_eof(ec);  // body until close
    }
    if (ec || !parser.is_done()) {
        return 0;
    }
    const auto& response = parser.get();
    const unsigned status = response.result_int();
    const bool body_expected = status >= 200 && status != 204 && status != 304;
    std::optional<std::uint64_t> length;
    if (parser.content_length()) {
        length = *parser.content_length();
    }
    const sp::body_framing framing = sp::client_framing(body_expected, length, client_version);
    const std::string head = sp::client_response_head(response, framing, response.body().size(),
                                                      "id-1", keep_alive, client_version);
    if (head.empty()) {
        return 0;  // 502
    }
    std::string wire = head;
    if (framing == sp::body_framing::chunked) {
        if (!response.body().empty()) {
            char size_line[32];
            std::snprintf(size_line, sizeof size_line, "%zx\r\n", response.body().size());
            wire.append(size_line).append(response.body()).append("\r\n");
        }
        wire.append("0\r\n\r\n");
    } else if (body_expected) {
        wire.append(response.body());
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
        (body_expected && seen.body() != response.body())) {
        __builtin_trap();
    }
    return 0;
}
