// production and shadows[]: the upstreams, their URLs, sampling, filters and extra headers.
#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "config/checks.hpp"
#include "config/sections.hpp"

namespace shadowproxy::config::detail {
namespace {

constexpr std::array<std::string_view, 9> production_keys{"name",
                                                          "url",
                                                          "host",
                                                          "timeout_ms",
                                                          "connect_timeout_ms",
                                                          "max_idle_connections",
                                                          "resolve_interval_ms",
                                                          "tls",
                                                          "protocol"};
constexpr std::array<std::string_view, 16> shadow_keys{"name",
                                                       "url",
                                                       "sample_rate",
                                                       "timeout_ms",
                                                       "connect_timeout_ms",
                                                       "sample_key",
                                                       "max_in_flight",
                                                       "match",
                                                       "set_headers",
                                                       "host",
                                                       "path_rewrite",
                                                       "remove_headers",
                                                       "resolve_interval_ms",
                                                       "eject_after_failures",
                                                       "tls",
                                                       "protocol"};
// Re-resolving more often than every 100 ms would only load the DNS server; a day is the
// longest wait that still follows a recreated Service.
constexpr std::int64_t min_resolve_interval_ms = 100;
constexpr std::int64_t max_resolve_interval_ms = 86'400'000;
constexpr std::array<std::string_view, 2> match_keys{"methods", "path_prefixes"};
constexpr std::array<std::string_view, 2> rewrite_keys{"from", "to"};

// Headers remove_headers may not name: the proxy writes them itself, or the request's framing
// depends on them.
constexpr std::array<std::string_view, 5> unremovable_headers{
    "host", "content-length", "transfer-encoding", "x-request-id", "x-forwarded-for"};

// Headers the proxy itself writes or that describe framing and the hop: letting a shadow
// override them would break the request or smuggle a second one into it.
constexpr std::array<std::string_view, 11> reserved_headers{
    "host",    "content-length", "transfer-encoding", "connection",   "keep-alive",     "te",
    "trailer", "upgrade",        "proxy-connection",  "x-request-id", "x-forwarded-for"};

// Required: a shadow or production without somewhere to send requests means nothing.
void read_url(const YAML::Node& map, const std::string& path, yaml_reader& in, upstream_url& out) {
    if (!map["url"] || map["url"].IsNull()) {
        in.problem(join(path, "url"), "is required (http[s]://host[:port])");
        return;
    }
    std::string text;
    in.read_string(map, path, "url", text, [&out](std::string& value) {
        const std::string reason = parse_upstream_url(value, out);
        return reason.empty() ? reason : reason + ", got '" + value + "'";
    });
}

// protocol: http1 | h2c | h2, which must fit the URL's scheme.
void read_protocol(const YAML::Node& map, const std::string& path, const upstream_url& url,
                   yaml_reader& in, upstream_protocol& out) {
    std::string text;
    const bool read = in.read_string(map, path, "protocol", text, [&out](std::string& value) {
        if (value == "http1") {
            out = upstream_protocol::http1;
        } else if (value == "h2c") {
            out = upstream_protocol::h2c;
        } else if (value == "h2") {
            out = upstream_protocol::h2;
        } else {
            return "must be http1, h2c or h2, got '" + value + "'";
        }
        return std::string{};
    });
    if (!read || text.empty() || url.text.empty()) {
        return;
    }
    if (out == upstream_protocol::h2 && !url.tls) {
        in.problem(join(path, "protocol"), "h2 needs an https:// url (use h2c for http://)");
    } else if (out == upstream_protocol::h2c && url.tls) {
        in.problem(join(path, "protocol"), "h2c needs an http:// url (use h2 for https://)");
    }
}

// A Host header value: a host name or address with an optional port, as in a URL authority.
std::string check_host(std::string& value) {
    upstream_url parsed;
    if (value.empty() || !parse_upstream_url("http://" + value, parsed).empty() ||
        !parsed.base_path.empty()) {
        return "must be host[:port] (the Host header to send), got '" + value + "'";
    }
    return {};
}

std::string check_prefix(std::string& value) {
    return is_path_prefix(value)
               ? std::string{}
               : "must start with '/' and hold no spaces, '?', '#' or '//', got '" + value + "'";
}

void read_path_rewrite(const YAML::Node& map, const std::string& path, yaml_reader& in,
                       std::optional<path_rewrite>& out) {
    const YAML::Node node = map["path_rewrite"];
    const std::string rewrite_path = join(path, "path_rewrite");
    if (!node || !in.check_map(node, rewrite_path, rewrite_keys) || node.IsNull()) {
        return;
    }
    path_rewrite rewrite;
    bool ok = true;
    for (const auto& [key, field] :
         {std::pair{"from", &rewrite.from}, std::pair{"to", &rewrite.to}}) {
        if (!node[key] || node[key].IsNull()) {
            in.problem(join(rewrite_path, key), "is required (a path prefix starting with '/')");
            ok = false;
        } else {
            ok = in.read_string(node, rewrite_path, key, *field, check_prefix) && ok;
        }
    }
    if (ok) {
        out = std::move(rewrite);
    }
}

void read_remove_headers(const YAML::Node& map, const std::string& path, yaml_reader& in,
                         std::vector<std::string>& out) {
    in.read_string_list(map, path, "remove_headers", out, [](std::string& value) {
        value = to_lower(value);
        if (std::find(unremovable_headers.begin(), unremovable_headers.end(), value) !=
            unremovable_headers.end()) {
            return "cannot remove '" + value + "': the proxy sets it (use host: for Host)";
        }
        return check_header_name(value);
    });
}

void read_sample_key(const YAML::Node& map, const std::string& path, yaml_reader& in,
                     sample_key& out) {
    std::string text;
    in.read_string(map, path, "sample_key", text, [&out](std::string& value) -> std::string {
        constexpr std::string_view header_prefix = "header:";
        if (value == "request_id") {
            out = sample_key{};
            return {};
        }
        if (value.starts_with(header_prefix) &&
            is_token(std::string_view(value).substr(header_prefix.size()))) {
            out = sample_key{sample_key::source::header, value.substr(header_prefix.size())};
            return {};
        }
        return "must be request_id or header:NAME (NAME a header name), got '" + value + "'";
    });
}

void read_match(const YAML::Node& map, const std::string& path, yaml_reader& in,
                match_filter& out) {
    const YAML::Node node = map["match"];
    const std::string match_path = join(path, "match");
    if (!node || !in.check_map(node, match_path, match_keys)) {
        return;
    }
    const bool methods_ok =
        in.read_string_list(node, match_path, "methods", out.methods, [](std::string& value) {
            value = to_upper(value);
            return is_token(value) ? std::string{} : "is not an HTTP method, got '" + value + "'";
        });
    if (methods_ok && out.methods.empty()) {
        in.problem(join(match_path, "methods"),
                   "must list at least one method (use sample_rate: 0 to mirror nothing)");
    }
    in.read_string_list(
        node, match_path, "path_prefixes", out.path_prefixes, [](std::string& value) {
            return value.starts_with('/') && value.find_first_of(" \t\r\n") == std::string::npos
                       ? std::string{}
                       : "must start with '/' and hold no spaces, got '" + value + "'";
        });
}

void read_set_headers(const YAML::Node& map, const std::string& path, yaml_reader& in,
                      std::vector<std::pair<std::string, std::string>>& out) {
    const YAML::Node node = map["set_headers"];
    const std::string headers_path = join(path, "set_headers");
    if (!node || node.IsNull()) {
        return;
    }
    if (!node.IsMap()) {
        in.problem(headers_path, "must be a map of header name to value, got " + describe(node));
        return;
    }
    std::set<std::string> seen;
    for (const auto& entry : node) {
        std::string name = entry.first.IsScalar() ? entry.first.Scalar() : std::string{};
        const std::string header_path = join(headers_path, name);
        if (!in.scalar_string(entry.first, headers_path, name, check_header_name)) {
            continue;
        }
        const std::string lower = to_lower(name);
        if (std::find(reserved_headers.begin(), reserved_headers.end(), lower) !=
            reserved_headers.end()) {
            in.problem(header_path, "is set by the proxy and cannot be overridden");
            continue;
        }
        if (!seen.insert(lower).second) {
            in.problem(header_path, "duplicate header (names are case-insensitive)");
            continue;
        }
        std::string value;
        if (in.scalar_string(entry.second, header_path, value, check_header_value)) {
            out.emplace_back(std::move(name), std::move(value));
        }
    }
}

void read_shadow(const YAML::Node& node, const std::string& path, yaml_reader& in,
                 shadow_config& out) {
    if (!in.check_map(node, path, shadow_keys)) {
        return;
    }
    if (node.IsNull()) {
        in.problem(join(path, "url"), "is required (http[s]://host[:port])");
        return;
    }
    in.read_string(node, path, "name", out.name, check_name);
    read_url(node, path, in, out.url);
    in.read_number(node, path, "sample_rate", out.sample_rate, 0.0, 1.0);
    in.read_duration(node, path, "timeout_ms", out.timeout, 1, max_timeout_ms);
    in.read_duration(node, path, "connect_timeout_ms", out.connect_timeout, 1, max_timeout_ms);
    read_sample_key(node, path, in, out.key);
    in.read_integer(node, path, "max_in_flight", out.max_in_flight, 1, 1'000'000);
    read_match(node, path, in, out.match);
    read_set_headers(node, path, in, out.set_headers);
    in.read_string(node, path, "host", out.host, check_host);
    read_path_rewrite(node, path, in, out.rewrite);
    read_remove_headers(node, path, in, out.remove_headers);
    in.read_duration(node, path, "resolve_interval_ms", out.resolve_interval,
                     min_resolve_interval_ms, max_resolve_interval_ms);
    in.read_integer(node, path, "eject_after_failures", out.eject_after_failures, 0, 1'000'000);
    read_upstream_tls(node, path, out.url, in, out.tls);
    read_protocol(node, path, out.url, in, out.protocol);
}

}  // namespace

void read_production(const YAML::Node& node, yaml_reader& in, production_config& out) {
    const std::string path = "production";
    if (!in.check_map(node, path, production_keys)) {
        return;
    }
    in.read_string(node, path, "name", out.name, check_name);
    read_url(node, path, in, out.url);
    in.read_string(node, path, "host", out.host, check_host);
    in.read_duration(node, path, "timeout_ms", out.timeout, 1, max_timeout_ms);
    in.read_duration(node, path, "connect_timeout_ms", out.connect_timeout, 1, max_timeout_ms);
    in.read_integer(node, path, "max_idle_connections", out.max_idle_connections, 0, 100'000);
    in.read_duration(node, path, "resolve_interval_ms", out.resolve_interval,
                     min_resolve_interval_ms, max_resolve_interval_ms);
    read_upstream_tls(node, path, out.url, in, out.tls);
    read_protocol(node, path, out.url, in, out.protocol);
}

void read_shadows(const YAML::Node& node, const std::string& production_name, yaml_reader& in,
                  std::vector<shadow_config>& out) {
    if (!node || node.IsNull()) {
        return;
    }
    if (!node.IsSequence()) {
        in.problem("shadows", "must be a list of shadows, got " + describe(node));
        return;
    }
    std::vector<std::string> names;  // index i holds shadows[i]'s name, for duplicate messages
    for (std::size_t i = 0; i < node.size(); ++i) {
        const std::string path = join("shadows", i);
        shadow_config shadow;
        // An unnamed shadow is called after its position, as in the key paths of messages
        // ("shadow0" is shadows[0]); naming it keeps logs stable when the list is reordered.
        shadow.name = "shadow" + std::to_string(i);
        read_shadow(node[i], path, in, shadow);
        const auto previous = std::find(names.begin(), names.end(), shadow.name);
        if (previous != names.end()) {
            in.problem(join(path, "name"), "duplicate name '" + shadow.name + "' (also shadows[" +
                                               std::to_string(previous - names.begin()) + "])");
        } else if (shadow.name == production_name) {
            in.problem(join(path, "name"),
                       "'" + shadow.name + "' is already production.name; names must differ");
        }
        names.push_back(shadow.name);
        out.push_back(std::move(shadow));
    }
}

void read_noise_reference(const YAML::Node& node, const std::string& production_name,
                          const std::vector<shadow_config>& shadows, yaml_reader& in,
                          std::optional<shadow_config>& out) {
    if (!node || node.IsNull()) {
        return;
    }
    const std::string path = "compare.noise_reference";
    shadow_config reference;
    reference.name = production_name + "-noise";
    reference.sample_rate = 0.05;
    reference.noise_reference = true;
    read_shadow(node, path, in, reference);
    if (reference.name == production_name ||
        std::any_of(shadows.begin(), shadows.end(),
                    [&](const shadow_config& s) { return s.name == reference.name; })) {
        in.problem(join(path, "name"), "'" + reference.name +
                                           "' is already production's or a shadow's name; "
                                           "names must differ");
    }
    out = std::move(reference);
}

}  // namespace shadowproxy::config::detail
