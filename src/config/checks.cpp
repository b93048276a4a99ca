#include "config/checks.hpp"

#include <algorithm>
#include <boost/asio/ip/address_v6.hpp>
#include <cctype>
#include <charconv>
#include <vector>

namespace shadowproxy::config::detail {
namespace {

bool is_alnum(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

bool is_host_name(std::string_view host) {
    return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return is_alnum(c) || c == '.' || c == '-' || c == '_';
    });
}

bool is_ipv6_literal(std::string_view host) {
    boost::system::error_code ec;
    boost::asio::ip::make_address_v6(std::string(host), ec);
    return !ec;
}

// Optimal string alignment distance: Levenshtein plus swaps of two neighbours, which is the
// commonest typo in hand-written keys ("tiemout_ms").
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) {
        d[i][0] = i;
    }
    for (std::size_t j = 0; j <= b.size(); ++j) {
        d[0][j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

}  // namespace

std::string parse_upstream_url(std::string_view text, upstream_url& out) {
    constexpr std::string_view plain = "http://";
    constexpr std::string_view secure = "https://";
    const bool tls = to_lower(text.substr(0, secure.size())) == secure;
    const std::string_view scheme = tls ? secure : plain;
    if (!tls && (text.size() < plain.size() || to_lower(text.substr(0, plain.size())) != plain)) {
        return "must be an http:// or https://host[:port] URL";
    }
    std::string_view authority = text.substr(scheme.size());
    if (authority.find_first_of("?#") != std::string_view::npos) {
        return "must not have a query or fragment (http[s]://host[:port][/base/path])";
    }
    std::string_view base_path;
    if (const auto slash = authority.find('/'); slash != std::string_view::npos) {
        base_path = authority.substr(slash);
        authority = authority.substr(0, slash);
        while (!base_path.empty() && base_path.back() == '/') {
            base_path.remove_suffix(1);
        }
        if (!is_path_prefix(base_path.empty() ? "/" : base_path)) {
            return "has an invalid base path (no spaces, control characters or empty segments)";
        }
    }
    if (authority.find('@') != std::string_view::npos) {
        return "must not contain user information (http[s]://host[:port] only)";
    }

    std::string_view host = authority;
    std::string_view port;
    bool has_port = false;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return "has an unterminated IPv6 address";
        }
        host = authority.substr(1, close - 1);
        const std::string_view rest = authority.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') {
            return "has text after the IPv6 address";
        }
        has_port = !rest.empty();
        port = has_port ? rest.substr(1) : rest;
        if (!is_ipv6_literal(host)) {
            return "has an invalid IPv6 address";
        }
    } else {
        const auto colon = authority.find(':');
        if (colon != std::string_view::npos) {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
            has_port = true;
        }
        if (host.empty()) {
            return "has no host";
        }
        if (!is_host_name(host)) {
            return "has an invalid host (letters, digits, '.', '-' and '_' only; IPv6 in [])";
        }
    }

    out.tls = tls;
    out.port = tls ? 443 : 80;
    if (has_port) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value < 1 ||
            value > 65535) {
            return "has an invalid port (1-65535)";
        }
        out.port = static_cast<std::uint16_t>(value);
    }
    out.text = std::string(text);
    out.host = std::string(host);
    out.authority = std::string(authority);
    out.base_path = std::string(base_path);
    return {};
}

bool is_path_prefix(std::string_view text) {
    return text.starts_with('/') && text.find("//") == std::string_view::npos &&
           std::none_of(text.begin(), text.end(), [](char c) {
               return static_cast<unsigned char>(c) <= ' ' || c == 0x7f || c == '?' || c == '#';
           });
}

bool is_token(std::string_view text) {
    constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
        return is_alnum(c) || extra.find(c) != std::string_view::npos;
    });
}

bool is_safe_name(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return is_alnum(c) || c == '.' || c == '_' || c == '-';
    });
}

bool is_json_pointer(std::string_view text) {
    if (text.empty()) {
        return true;
    }
    if (text.front() != '/') {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '~' &&
            (i + 1 == text.size() || (text[i + 1] != '0' && text[i + 1] != '1'))) {
            return false;
        }
    }
    return true;
}

bool is_header_value(std::string_view text) {
    return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool is_listen_address(std::string_view text) {
    return is_host_name(text) || is_ipv6_literal(text);
}

std::optional<std::string_view> closest_key(std::string_view key,
                                            std::span<const std::string_view> known) {
    // Two edits on a three-letter key can turn it into almost anything ("foo" → "log"), so
    // short keys only get a hint one edit away.
    std::optional<std::string_view> best;
    std::size_t best_distance =
        std::min<std::size_t>(2, std::max<std::size_t>(1, key.size() / 3)) + 1;
    for (const auto candidate : known) {
        const std::size_t distance = edit_distance(key, candidate);
        if (distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    return best;
}

std::string to_lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string to_upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

}  // namespace shadowproxy::config::detail
