// libFuzzer target: production's answer as src/upstream/pool.cpp receives it (a Beast
// response_parser) turned into the head the client gets by client_response_head. Oracle: when
// the proxy would pass the answer on (non-empty head), the client's bytes parse as exactly one
// well-framed response: one Content-Length equal to the body, no Transfer-Encoding.
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
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
    const std::string head = sp::client_response_head(
        response, response.body().size(), body_expected, "id-1", keep_alive, client_version);
    if (head.empty()) {
        return 0;  // 502
    }
    const std::string wire = head + (body_expected ? response.body() : std::string{});
    http::response_parser<http::string_body> client;
    client.eager(true);
    client.header_limit(1U << 20);
    client.body_limit(1U << 20);
    if (!body_expected) {
        client.skip(true);
    }
    const std::size_t used = client.put(boost::asio::buffer(wire), ec);
    if (ec || !client.is_done() || used != wire.size()) {
        __builtin_trap();
    }
    const auto& seen = client.get();
    if (seen.count(http::field::transfer_encoding) != 0 ||
        (body_expected &&
         (seen.count(http::field::content_length) != 1 || seen.body() != response.body()))) {
        __builtin_trap();
    }
    return 0;
}
