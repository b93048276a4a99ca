// The one-pass scan of a plain HTTP/1.1 head's field lines that the fast readers of requests
// (proxy::request_parser) and answers (upstream::answer_reader) share: each field must be
// `token ":" OWS text OWS CRLF` in printable ASCII, and the fields that decide framing or the
// connection's fate plain: at most one Content-Length, a plain decimal; at most one Connection,
// exactly keep-alive or close; no Transfer-Encoding, Upgrade or Proxy-Connection. Anything else
// (an incomplete head, a bare LF, obs-fold, obs-text, a framing field out of the plain shape)
// is not scanned: the caller hands the head to Beast's parser, whose rules and errors apply.
//
// Pure functions over bytes; any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "shadowproxy/net/field_list.hpp"

namespace shadowproxy::net {

// What the fields of a plain head said of its framing.
struct plain_framing {
    bool has_length = false;
    std::uint64_t content_length = 0;
    bool close = false;  // Connection: close
};

// The end of the line starting at `from` (at its CR) when every byte before its CRLF is text
// (printable ASCII, SP and HTAB: what a plain reason phrase or field value is made of),
// or nullptr (no CRLF before `end`, a bare CR or LF, a byte that is not text). One pass over the
// line, sixteen bytes at a time where SSE2 is there, never reading at or past `end`.
const char* text_line_end(const char* from, const char* end);

// Scans the field lines from `p` (just past the start line's CRLF) through the empty line,
// within [p, end), adding each field to `fields` (trailing whitespace trimmed) and its framing
// to `framing`. Returns the end of the head (past the empty line), or nullptr when the head is
// not plain; `fields` and `framing` are then partly filled.
const char* scan_plain_fields(const char* p, const char* end, field_list& fields,
                              plain_framing& framing);

}  // namespace shadowproxy::net
