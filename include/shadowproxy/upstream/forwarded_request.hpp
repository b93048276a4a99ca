// A client request as it goes to an upstream, and the head sent before its body. Built once by
// the proxy, shared read-only (shared_ptr<const>) by the production exchange and every shadow
// copy, so the body is never copied per upstream.
//
// Plain data and one pure function: any thread may read a forwarded_request; nothing throws
// beyond std::bad_alloc.
#pragma once

#include <string>
#include <string_view>

namespace shadowproxy::upstream {

struct forwarded_request {
    std::string method;
    std::string target;      // as the client sent it
    std::string path;        // target without the query string
    std::string request_id;  // kept from the client or generated
    std::string headers;     // end-to-end "Name: value\r\n" lines, no Host, no hop-by-hop
    std::string body;
    bool is_head = false;
};

// "METHOD target HTTP/1.1\r\nHost: authority\r\n" + headers + extra_headers + "\r\n".
std::string upstream_head(const forwarded_request& request, std::string_view authority,
                          std::string_view extra_headers = {});

}  // namespace shadowproxy::upstream
