#include "shadowproxy/upstream/forwarded_request.hpp"

#include <algorithm>

#include "shadowproxy/net/http_chars.hpp"

namespace shadowproxy::upstream {

namespace {

// Header lines of `headers` ("Name: value\r\n" each) whose name is in neither list go to `out`.
void append_kept(std::string& out, std::string_view headers, const std::vector<std::string>& a,
                 const std::vector<std::string>& b) {
    const auto listed = [](const std::vector<std::string>& names, std::string_view name) {
        return std::any_of(names.begin(), names.end(),
                           [&](const std::string& n) { return net::iequals(name, n); });
    };
    while (!headers.empty()) {
        const auto end = headers.find("\r\n");
        const auto line = headers.substr(0, end == std::string_view::npos ? end : end + 2);
        const auto name = line.substr(0, line.find(':'));
        if (!listed(a, name) && !listed(b, name)) {
            out.append(line);
        }
        headers.remove_prefix(line.size());
    }
}

}  // namespace

std::string upstream_target(std::string_view target, const upstream_route& route) {
    if (!target.starts_with('/')) {
        return std::string{target};
    }
    std::string out{route.base_path};
    if (!route.rewrite_from.empty() && target.starts_with(route.rewrite_from)) {
        // A plain string prefix, as match.path_prefixes; a '/' ending `to` is not doubled.
        target.remove_prefix(route.rewrite_from.size());
        std::string_view to = route.rewrite_to;
        if (to.ends_with('/') && target.starts_with('/')) {
            to.remove_suffix(1);
        }
        out.append(to);
    }
    out.append(target);
    if (out.empty() || out.front() != '/') {
        out.insert(out.begin(), '/');
    }
    return out;
}

std::string upstream_head(const forwarded_request& request, const upstream_route& route,
                          std::string_view extra_headers,
                          const std::vector<std::string>& owned_names) {
    static const std::vector<std::string> none;
    std::string head;
    head.reserve(request.method.size() + request.target.size() + route.base_path.size() +
                 route.host.size() + request.headers.size() + extra_headers.size() + 32);
    head.append(request.method).append(" ");
    if (route.base_path.empty() && route.rewrite_from.empty()) {
        head.append(request.target);
    } else {
        head.append(upstream_target(request.target, route));
    }
    head.append(" HTTP/1.1\r\n");
    head.append("Host: ").append(route.host).append("\r\n");
    const auto& removed = route.remove_headers != nullptr ? *route.remove_headers : none;
    if (removed.empty() && owned_names.empty()) {
        head.append(request.headers);
    } else {
        append_kept(head, request.headers, removed, owned_names);
    }
    head.append(extra_headers).append("\r\n");
    return head;
}

std::string upstream_head(const forwarded_request& request, std::string_view authority,
                          std::string_view extra_headers,
                          const std::vector<std::string>& owned_names) {
    return upstream_head(request, upstream_route{.host = authority}, extra_headers, owned_names);
}

}  // namespace shadowproxy::upstream
