// A client request as it goes to an upstream, and the head sent before its body. Built once by
// the proxy, shared read-only (shared_ptr<const>) by the production exchange and every shadow
// copy, so the body is never copied per upstream.
//
// Plain data and one pure function: any thread may read a forwarded_request; nothing throws
// beyond std::bad_alloc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

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

// Where and how one upstream gets a request: the Host it is sent, how its path is rewritten,
// which client headers it never sees. Views into the upstream's settings (which outlive it).
struct upstream_route {
    std::string_view host{};          // the Host header
    std::string_view base_path{};     // "" or "/a/b": prefixed to every origin-form target
    std::string_view rewrite_from{};  // "" = no rewrite; else a leading path prefix replaced…
    std::string_view rewrite_to{};    // …by this one (before the base path is added)
    const std::vector<std::string>* remove_headers = nullptr;  // lower-case names
};

// The request target an upstream gets: origin-form targets ("/…") are rewritten and prefixed;
// any other form ("*", absolute-form) is passed as it is.
std::string upstream_target(std::string_view target, const upstream_route& route);

// "METHOD target HTTP/1.1\r\nHost: host\r\n" + headers + extra_headers + "\r\n". Header
// lines whose name is in route.remove_headers or in `owned_names` (any case) are left out:
// extra_headers sets the owned ones (a shadow's set_headers: the client cannot spoof them).
std::string upstream_head(const forwarded_request& request, const upstream_route& route,
                          std::string_view extra_headers = {},
                          const std::vector<std::string>& owned_names = {});

// The same with no routing: Host is `authority`, the target is the client's.
std::string upstream_head(const forwarded_request& request, std::string_view authority,
                          std::string_view extra_headers = {},
                          const std::vector<std::string>& owned_names = {});

}  // namespace shadowproxy::upstream
