#include "shadowproxy/upstream/forwarded_request.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>

namespace shadowproxy::upstream {

namespace {

// Header lines of `headers` ("Name: value\r\n" each) whose name is not in `owned` go to `out`.
void append_unowned(std::string& out, std::string_view headers,
                    const std::vector<std::string>& owned) {
    while (!headers.empty()) {
        const auto end = headers.find("\r\n");
        const auto line = headers.substr(0, end == std::string_view::npos ? end : end + 2);
        const auto name = line.substr(0, line.find(':'));
        if (std::none_of(owned.begin(), owned.end(),
                         [&](const std::string& o) { return boost::beast::iequals(name, o); })) {
            out.append(line);
        }
        headers.remove_prefix(line.size());
    }
}

}  // namespace

std::string upstream_head(const forwarded_request& request, std::string_view authority,
                          std::string_view extra_headers,
                          const std::vector<std::string>& owned_names) {
    std::string head;
    head.reserve(request.method.size() + request.target.size() + authority.size() +
                 request.headers.size() + extra_headers.size() + 32);
    head.append(request.method).append(" ").append(request.target).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(authority).append("\r\n");
    if (owned_names.empty()) {
        head.append(request.headers);
    } else {
        append_unowned(head, request.headers, owned_names);
    }
    head.append(extra_headers).append("\r\n");
    return head;
}

}  // namespace shadowproxy::upstream
