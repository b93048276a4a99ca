// libFuzzer target: production's answer as src/upstream/http1_exchange.cpp receives it (an
// answer_reader: its fast path for plain heads, else answer_parser over Beast's basic_parser)
// turned into the head the client gets by client_response_head. Oracles: the reader agrees with
// answer_parser alone on everything (error or not, head, body, length, keep-alive), so the fast
// path accepts nothing the parser refuses and reads nothing differently; and when the proxy
// would pass the answer on (non-empty head), the client's bytes (framed as the relay frames them)
// parse as exactly one well-framed response carrying the same body: one Content-Length for a
// length answer, Transfer-Encoding: chunked only for a chunked one.
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "shadowproxy/proxy/rewrite.hpp"
#include "shadowproxy/upstream/answer_reader.hpp"

namespace http = boost::beast::http;
namespace sp = shadowproxy::proxy;
namespace up = shadowproxy::upstream;

namespace {

constexpr std::size_t header_limit = 8192;

struct outcome {
    boost::beast::error_code ec;
    std::string body;
    bool header_done = false;
    bool done = false;
    std::optional<std::uint64_t> length;
    bool keep_alive = false;
};

// Feeds everything as the exchange does (the head alone, then one body piece per put()), ends a
// close-delimited body with the end of input, and collects what a caller would see.
template <class Reader>
outcome read_all(Reader& reader, std::string_view bytes) {
    outcome out;
    auto& ec = out.ec;
    while (!reader.is_done()) {
        const std::size_t used = reader.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
        bytes.remove_prefix(used);
        out.body.append(reader.take_piece());
        if constexpr (std::is_same_v<Reader, up::answer_parser>) {
            if (reader.is_header_done()) {
                reader.eager(true);
            }
        }
        if (ec == http::error::need_buffer && used > 0) {
            ec = {};
            continue;
        }
        if (ec || used == 0) {
            break;
        }
    }
    if ((!ec || ec == http::error::need_more) && !reader.is_done() && reader.need_eof()) {
        ec = {};
        reader.put_eof(ec);  // body until close
    }
    out.header_done = reader.is_header_done();
    out.done = !ec && reader.is_done();
    if (out.done) {
        if (const auto length = reader.content_length()) {
            out.length = *length;
        }
        out.keep_alive = reader.keep_alive();
    }
    return out;
}

bool same_head(const shadowproxy::net::response_head& a, const shadowproxy::net::response_head& b) {
    if (a.status != b.status || a.version != b.version || a.reason != b.reason ||
        a.fields.size() != b.fields.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.fields.size(); ++i) {
        if (a.fields.at(i).name != b.fields.at(i).name ||
            a.fields.at(i).value != b.fields.at(i).value) {
            return false;
        }
    }
    return true;
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
    up::answer_reader reader(response, header_limit);
    reader.reset(false);
    const outcome got = read_all(reader, bytes);

    shadowproxy::net::response_head reference_head;
    up::answer_parser reference(reference_head);
    reference.header_limit(header_limit);
    reference.body_limit(boost::none);
    const outcome expected = read_all(reference, bytes);
    if (got.header_done != expected.header_done || got.done != expected.done ||
        (got.header_done && !same_head(response, reference_head)) ||
        (got.done && (got.body != expected.body || got.length != expected.length ||
                      got.keep_alive != expected.keep_alive))) {
        __builtin_trap();
    }
    if (!got.done) {
        return 0;
    }
    const std::string& body = got.body;
    const unsigned status = response.status;
    const bool body_expected = status >= 200 && status != 204 && status != 304;
    const std::optional<std::uint64_t> length = got.length;
    boost::beast::error_code ec;
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
