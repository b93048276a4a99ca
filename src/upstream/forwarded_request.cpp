#include "shadowproxy/upstream/forwarded_request.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>

namespace shadowproxy::upstream {

namespace {

bool removed(std::string_view line, const std::vector<std::string>& names) {
    const std::string_view name = line.substr(0, line.find(':'));
    return std::any_of(names.begin(), names.end(),
                       [&](const std::string& n) { return boost::beast::iequals(name, n); });
}

void append_headers(std::string& out, std::string_view lines,
                    const std::vector<std::string>* remove) {
    if (remove == nullptr || remove->empty()) {
        out.append(lines);
        return;
    }
    while (!lines.empty()) {
        const auto end = lines.find("\r\n");
        const auto next = end == std::string_view::npos ? lines.size() : end + 2;
        const std::string_view line = lines.substr(0, next);
        if (!removed(line, *remove)) {
            out.append(line);
        }
        lines.remove_prefix(next);
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
                          std::string_view extra_headers) {
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
    append_headers(head, request.headers, route.remove_headers);
    head.append(extra_headers).append("\r\n");
    return head;
}

std::string upstream_head(const forwarded_request& request, std::string_view authority,
                          std::string_view extra_headers) {
    return upstream_head(request, upstream_route{.host = authority}, extra_headers);
}

}  // namespace shadowproxy::upstream
