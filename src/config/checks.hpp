// Pure syntax checks the config loader applies to single values: URLs, HTTP tokens, names,
// JSON pointers, and the "did you mean" suggestion for misspelt keys.
//
// Private to src/config. Stateless functions, callable from any thread. None of them throws:
// each answers with a value, or with an empty string / std::nullopt when the input is fine
// or has no answer.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "shadowproxy/config/config.hpp"

namespace shadowproxy::config::detail {

// Splits "http[s]://host[:port][/base]" into its parts (https: tls set, port 443 by default). On
// failure returns the reason and leaves `out` unspecified; on success returns an empty string.
std::string parse_upstream_url(std::string_view text, upstream_url& out);

// RFC 9110 token: one or more of the tchar set (header names, methods).
bool is_token(std::string_view text);

// Names that end up as metric label values and file names: [A-Za-z0-9._-]+.
bool is_safe_name(std::string_view text);

// RFC 6901: empty, or "/"-prefixed reference tokens where '~' is followed by '0' or '1'.
bool is_json_pointer(std::string_view text);

// A header value we may send: no CR, LF or NUL (they would split or end the header).
bool is_header_value(std::string_view text);
// A request path prefix usable in a target: starts with '/', no "//", no white space, control
// characters, '?' or '#'.
bool is_path_prefix(std::string_view text);

// A listen address: an IPv4/IPv6 literal or a host name, without brackets, ports or spaces.
bool is_listen_address(std::string_view text);

// The known key closest to `key` when it is within two edits (insert, delete, substitute,
// swap two neighbours; one edit for keys under six characters), the earliest one on ties.
std::optional<std::string_view> closest_key(std::string_view key,
                                            std::span<const std::string_view> known);

std::string to_lower(std::string_view text);
std::string to_upper(std::string_view text);

}  // namespace shadowproxy::config::detail
