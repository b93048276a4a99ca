#include "shadowproxy/upstream/forwarded_request.hpp"

namespace shadowproxy::upstream {

std::string upstream_head(const forwarded_request& request, std::string_view authority,
                          std::string_view extra_headers) {
    std::string head;
    head.reserve(request.method.size() + request.target.size() + authority.size() +
                 request.headers.size() + extra_headers.size() + 32);
    head.append(request.method).append(" ").append(request.target).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(authority).append("\r\n");
    head.append(request.headers).append(extra_headers).append("\r\n");
    return head;
}

}  // namespace shadowproxy::upstream
