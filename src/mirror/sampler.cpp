#include "shadowproxy/mirror/sampler.hpp"

#include <algorithm>
#include <cstdint>

#include "shadowproxy/net/http_chars.hpp"

namespace shadowproxy::mirror {

bool matches(const config::match_filter& filter, std::string_view method, std::string_view path) {
    const bool method_ok = std::any_of(filter.methods.begin(), filter.methods.end(),
                                       [&](const std::string& m) { return m == method; });
    if (!method_ok) {
        return false;
    }
    return filter.path_prefixes.empty() ||
           std::any_of(filter.path_prefixes.begin(), filter.path_prefixes.end(),
                       [&](const std::string& prefix) { return path.starts_with(prefix); });
}

bool sampled(double rate, std::string_view key) {
    if (rate >= 1.0) {
        return true;
    }
    if (rate <= 0.0) {
        return false;
    }
    // FNV-1a, then a 64-bit finaliser so nearby keys spread evenly over [0, 1).
    std::uint64_t h = 14695981039346656037ULL;
    for (const char c : key) {
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    const double unit = static_cast<double>(h >> 11) / static_cast<double>(1ULL << 53);
    return unit < rate;
}

std::string_view find_header(std::string_view lines, std::string_view name) {
    const std::size_t n = name.size();
    if (name.find(':') != std::string_view::npos) {
        return {};  // no line's name holds a colon
    }
    while (!lines.empty()) {
        const auto end = lines.find("\r\n");
        const std::string_view line = lines.substr(0, end);
        // A line whose first colon ends `name`: the byte after the name is tested first, so
        // other lines cost one comparison.
        if (line.size() > n && line[n] == ':' && net::iequals(line.substr(0, n), name)) {
            std::string_view value = line.substr(n + 1);
            while (!value.empty() && value.front() == ' ') {
                value.remove_prefix(1);
            }
            return value;
        }
        if (end == std::string_view::npos) {
            break;
        }
        lines.remove_prefix(end + 2);
    }
    return {};
}

}  // namespace shadowproxy::mirror
