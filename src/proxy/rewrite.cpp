#include "shadowproxy/proxy/rewrite.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <random>

#include "shadowproxy/net/http_chars.hpp"

namespace shadowproxy::proxy {

namespace {

using net::iequals;

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

// Two memchr scans: find_first_of calls char_traits::find on the set for every character, and
// this runs on every header of every request and response.
bool has_line_break(std::string_view s) {
    return s.find('\r') != std::string_view::npos || s.find('\n') != std::string_view::npos;
}

// One size check and two copies: four append() calls (two of them strlen'ing a literal) cost
// more, and this runs for every field of every head the proxy writes.
void append_header(std::string& out, std::string_view name, std::string_view value) {
    const std::size_t at = out.size();
    out.resize(at + name.size() + value.size() + 4);
    char* p = std::copy(name.begin(), name.end(), out.data() + at);
    *p++ = ':';
    *p++ = ' ';
    p = std::copy(value.begin(), value.end(), p);
    *p++ = '\r';
    *p = '\n';
}

void assign_lower(std::string& out, std::string_view s) {
    out.assign(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
}

// Connection, Keep-Alive, Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE,
// Trailer, Transfer-Encoding and Upgrade (RFC 9110 §7.6.1, and the de facto ones); a name is
// compared only with those of its length.
bool is_fixed_hop_by_hop(std::string_view name) {
    switch (name.size()) {
        case 2:
            return iequals(name, "te");
        case 7:
            return iequals(name, "trailer") || iequals(name, "upgrade");
        case 10:
            return iequals(name, "connection") || iequals(name, "keep-alive");
        case 16:
            return iequals(name, "proxy-connection");
        case 17:
            return iequals(name, "transfer-encoding");
        case 18:
            return iequals(name, "proxy-authenticate");
        case 19:
            return iequals(name, "proxy-authorization");
        default:
            return false;
    }
}

// What forward() does with a field of the client's head.
enum class client_field_use { pass, drop, framing, forwarded_for };

client_field_use client_field(std::string_view name) {
    // Host is replaced by the upstream's, Expect answered by the proxy itself, and the fields
    // the proxy sets are never taken from the client.
    if (iequals(name, "Host") || iequals(name, "Expect") || iequals(name, "X-Forwarded-Proto") ||
        iequals(name, "X-Forwarded-Host") || iequals(name, "X-Request-Id")) {
        return client_field_use::drop;
    }
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) {
        return client_field_use::framing;  // the forwarded body is de-chunked and re-measured
    }
    if (iequals(name, "X-Forwarded-For")) {
        return client_field_use::forwarded_for;
    }
    return is_fixed_hop_by_hop(name) ? client_field_use::drop : client_field_use::pass;
}

// Every byte's two lower-case hex digits.
constexpr std::array<char, 512> hex_pairs = [] {
    constexpr std::string_view digits = "0123456789abcdef";
    std::array<char, 512> pairs{};
    for (std::size_t byte = 0; byte < 256; ++byte) {
        pairs[2 * byte] = digits[byte >> 4];
        pairs[2 * byte + 1] = digits[byte & 0xFU];
    }
    return pairs;
}();

}  // namespace

bool is_hop_by_hop(std::string_view name, std::string_view connection) {
    if (is_fixed_hop_by_hop(name)) {
        return true;
    }
    // Any header the Connection header lists is hop-by-hop too (RFC 9110 §7.6.1).
    while (!connection.empty()) {
        const auto comma = connection.find(',');
        if (iequals(trim_ows(connection.substr(0, comma)), name)) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        connection.remove_prefix(comma + 1);
    }
    return false;
}

std::unordered_set<std::string> connection_tokens(const net::field_list& fields) {
    std::unordered_set<std::string> tokens;
    for (const auto [name, value] : fields) {
        if (!iequals(name, "connection")) {
            continue;
        }
        std::string_view list = value;
        while (!list.empty()) {
            const auto comma = list.find(',');
            const auto token = trim_ows(list.substr(0, comma));
            if (!token.empty()) {
                std::string lower;
                assign_lower(lower, token);
                tokens.insert(std::move(lower));
            }
            if (comma == std::string_view::npos) {
                break;
            }
            list.remove_prefix(comma + 1);
        }
    }
    return tokens;
}

std::string framing_problem(const net::request_head& head) {
    int transfer_encodings = 0;
    for (const auto [name, value] : head.fields) {
        if (has_line_break(value)) {
            return "header value contains a line break";
        }
        if (iequals(name, "transfer-encoding")) {
            ++transfer_encodings;
            if (!iequals(trim_ows(value), "chunked")) {
                return "unsupported Transfer-Encoding";
            }
        }
    }
    if (transfer_encodings > 1) {
        return "duplicate Transfer-Encoding";
    }
    if (head.version < 11 && transfer_encodings > 0) {
        return "Transfer-Encoding in an HTTP/1.0 request";
    }
    return {};
}

bool has_obs_fold(std::string_view block) {
    for (std::size_t pos = block.find("\r\n"); pos != std::string_view::npos;
         pos = block.find("\r\n", pos + 2)) {
        if (pos + 2 < block.size() && (block[pos + 2] == ' ' || block[pos + 2] == '\t')) {
            return true;
        }
    }
    return false;
}

bool has_bare_line_feed(std::string_view bytes) {
    for (std::size_t pos = bytes.find('\n'); pos != std::string_view::npos;
         pos = bytes.find('\n', pos + 1)) {
        if (pos == 0 || bytes[pos - 1] != '\r') {
            return true;
        }
    }
    return false;
}

std::string make_request_id() {
    // splitmix64 over a per-thread counter seeded at random: a full-period sequence, so a thread
    // never repeats an id, at a few instructions per number (mt19937_64 cost more than the
    // formatting). Ids need to be unique, not secret.
    thread_local std::uint64_t state =
        (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
    auto next = [] {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    };
    const std::uint64_t hi = (next() & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
    const std::uint64_t lo = (next() & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
    // Where each byte's two hex digits go in the 8-4-4-4-12 form, per 64-bit half.
    static constexpr std::array<std::uint8_t, 8> hi_at{0, 2, 4, 6, 9, 11, 14, 16};
    static constexpr std::array<std::uint8_t, 8> lo_at{19, 21, 24, 26, 28, 30, 32, 34};
    std::string out(36, '-');
    for (std::size_t i = 0; i < 8; ++i) {
        const unsigned shift = 56 - 8 * static_cast<unsigned>(i);
        std::memcpy(out.data() + hi_at[i], hex_pairs.data() + 2 * ((hi >> shift) & 0xFFU), 2);
        std::memcpy(out.data() + lo_at[i], hex_pairs.data() + 2 * ((lo >> shift) & 0xFFU), 2);
    }
    return out;
}

std::string choose_request_id(const net::request_head& head) {
    if (const auto value = head.fields.find("X-Request-Id")) {
        const std::string_view id = trim_ows(*value);
        const bool sane =
            !id.empty() && id.size() <= 200 && std::all_of(id.begin(), id.end(), [](char c) {
                return net::is_token_char(c) || c == ':' || c == '/' || c == '=';
            });
        if (sane) {
            return std::string{id};
        }
    }
    return make_request_id();
}

forward_options forward_options_for(request_line_check&& line, std::string_view owned_header,
                                    bool tls) {
    forward_options options;
    options.target = std::move(line.target);
    options.path = std::move(line.path);
    options.forwarded_host = std::move(line.authority);
    options.owned_header = owned_header;
    options.tls = tls;
    return options;
}

std::string allow_value(const std::vector<std::string>& methods) {
    std::string allow;
    for (std::size_t i = 0; i < methods.size(); ++i) {
        allow.append(i == 0 ? "" : ", ").append(methods[i]);
    }
    return allow;
}

std::shared_ptr<const upstream::forwarded_request> forward(const net::request_head& head,
                                                           std::string&& body,
                                                           std::string_view client_address,
                                                           std::string request_id,
                                                           const forward_options& options) {
    auto out = std::make_shared<upstream::forwarded_request>();
    out->method = head.method;
    if (options.target.empty()) {
        out->target = head.target;
        out->path = out->target.substr(0, out->target.find('?'));
    } else {
        out->target = options.target;
        out->path = options.path;
    }
    out->is_head = head.method == "HEAD";
    out->request_id = std::move(request_id);

    // One pass over the fields, each name looked up in a set: linear however many names the
    // Connection fields list.
    const auto listed = connection_tokens(head.fields);
    std::string lower_name;
    std::string forwarded_for;
    bool had_body_framing = false;
    out->headers.reserve(256);
    for (const auto [name, value] : head.fields) {
        switch (client_field(name)) {
            case client_field_use::drop:
                continue;
            case client_field_use::framing:
                had_body_framing = true;
                continue;
            case client_field_use::forwarded_for:
                forwarded_for.append(forwarded_for.empty() ? "" : ", ").append(value);
                continue;
            case client_field_use::pass:
                break;
        }
        if (!options.owned_header.empty() && iequals(name, options.owned_header)) {
            continue;
        }
        if (!listed.empty()) {
            assign_lower(lower_name, name);
            if (listed.contains(lower_name)) {
                continue;
            }
        }
        append_header(out->headers, name, value);
    }
    forwarded_for.append(forwarded_for.empty() ? "" : ", ").append(client_address);
    append_header(out->headers, "X-Forwarded-For", forwarded_for);
    if (!options.forwarded_host.empty()) {
        append_header(out->headers, "X-Forwarded-Host", options.forwarded_host);
    }
    append_header(out->headers, "X-Forwarded-Proto", options.tls ? "https" : "http");
    append_header(out->headers, "X-Request-Id", out->request_id);
    out->body = std::move(body);
    if (had_body_framing || !out->body.empty()) {
        append_header(out->headers, "Content-Length", std::to_string(out->body.size()));
    }
    return out;
}

body_framing client_framing(bool body_expected, std::optional<std::uint64_t> content_length,
                            unsigned client_version) {
    if (!body_expected) {
        return body_framing::none;
    }
    if (content_length) {
        return body_framing::length;
    }
    return client_version >= 11 ? body_framing::chunked : body_framing::close;
}

std::string client_response_head(const net::response_head& upstream, body_framing framing,
                                 std::uint64_t content_length, std::string_view request_id,
                                 bool keep_alive, unsigned client_version) {
    // Beast accepts any three digits: below 100 there is no valid status line to write, and a
    // 1xx is never a final answer (interim ones are skipped by the upstream client).
    if (upstream.status < 200) {
        return {};
    }
    std::string head;
    head.reserve(256);
    head.append("HTTP/1.1 ").append(std::to_string(upstream.status)).append(" ");
    if (upstream.reason.empty()) {
        const auto reason = http::obsolete_reason(static_cast<http::status>(upstream.status));
        head.append(reason.data(), reason.size());
    } else {
        head.append(upstream.reason);
    }
    head.append("\r\n");
    const std::string_view connection = upstream.fields["connection"];
    for (const auto [name, value] : upstream.fields) {
        if (has_line_break(value)) {
            return {};
        }
        if (iequals(name, "Content-Length")) {
            // Passed through only where no body follows (HEAD, 304): it describes the resource.
            if (framing == body_framing::none) {
                append_header(head, name, value);
            }
            continue;
        }
        if (iequals(name, "X-Request-Id") || is_hop_by_hop(name, connection)) {
            continue;
        }
        append_header(head, name, value);
    }
    append_header(head, "X-Request-Id", request_id);
    if (framing == body_framing::length) {
        append_header(head, "Content-Length", std::to_string(content_length));
    } else if (framing == body_framing::chunked) {
        append_header(head, "Transfer-Encoding", "chunked");
    }
    if (!keep_alive || framing == body_framing::close) {
        append_header(head, "Connection", "close");
    } else if (client_version < 11) {
        append_header(head, "Connection", "keep-alive");
    }
    head.append("\r\n");
    return head;
}

std::optional<std::vector<std::pair<std::string, std::string>>> h2_response_fields(
    const net::response_head& upstream, std::string_view request_id) {
    if (upstream.status < 200) {
        return std::nullopt;
    }
    std::vector<std::pair<std::string, std::string>> fields;
    fields.reserve(16);
    const std::string_view connection = upstream.fields["connection"];
    for (const auto [name, value] : upstream.fields) {
        if (has_line_break(value)) {
            return std::nullopt;
        }
        if (iequals(name, "X-Request-Id") || is_hop_by_hop(name, connection)) {
            continue;
        }
        fields.emplace_back();
        assign_lower(fields.back().first, name);
        fields.back().second.assign(value);
    }
    fields.emplace_back("x-request-id", std::string{request_id});
    return fields;
}

}  // namespace shadowproxy::proxy
