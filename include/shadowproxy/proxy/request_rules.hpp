// The RFC 9112 rules a client request must pass before anything goes upstream, decided like
// nginx: the request-target form (absolute-form becomes origin-form, other forms are refused),
// dot-segments (removed, percent-encoded ones too; climbing above the root is refused), Host
// (required and single on HTTP/1.1, valid everywhere), the method (CONNECT and TRACE 405, the
// rest must be in limits.allowed_methods), and the bounds on what the chunked-body parser may
// hold back while it waits for a line end.
//
// Pure functions, no I/O and no state: any thread may call them. Problems are returned, never
// thrown.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowproxy/net/field_list.hpp"

namespace shadowproxy::proxy {

// A chunk-size line with its extensions may be this long; longer is a 400 (nginx allows less).
constexpr std::size_t max_chunk_line_bytes = 4096;

// The verdict on a request line and its Host.
struct request_line_check {
    unsigned status = 0;    // 0: go on; else 400 or 405
    std::string problem;    // why, for the error body
    std::string target;     // what goes upstream: normalised origin-form, or "*" for OPTIONS
    std::string path;       // target without the query ("*" for the asterisk form)
    std::string authority;  // the client's: absolute-form's authority, else the Host value
};

// `allowed_methods` is limits.allowed_methods (case-sensitive); CONNECT and TRACE are 405 even
// when listed.
request_line_check check_request_line(const net::request_head& head,
                                      const std::vector<std::string>& allowed_methods);

// RFC 3986 §5.2.4 on an absolute path, "." and ".." segments recognised also when written with
// %2e/%2E. nullopt when ".." would climb above the root.
std::optional<std::string> remove_dot_segments(std::string_view path);

// host [":" port] with host a reg-name, IPv4 address or bracketed IP literal; no userinfo.
bool is_valid_authority(std::string_view authority);

// Field lines in a header block that ends with its empty line (the request line not counted).
std::size_t count_field_lines(std::string_view block);

// Bytes a chunked-body parser holds back waiting for a line end: empty when within bounds,
// else why not (a chunk line over max_chunk_line_bytes, a trailer section over
// `max_trailer_bytes`).
std::string chunked_backlog_problem(std::string_view unparsed, std::size_t max_trailer_bytes);

// A complete trailer section (field lines each ending in CRLF, the empty line excluded): empty
// when well-formed, else why not (obs-fold, bare LF, a line that is no `name: value`).
std::string trailer_section_problem(std::string_view section);

}  // namespace shadowproxy::proxy
