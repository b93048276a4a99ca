// listen.tls, admin.tls and the upstreams' tls: keys, versions and the PEM files they name.
#include <array>
#include <string_view>

#include "config/checks.hpp"
#include "config/sections.hpp"
#include "config/tls_files.hpp"

namespace shadowproxy::config::detail {
namespace {

constexpr std::array<std::string_view, 4> listener_tls_keys{"cert_file", "key_file",
                                                            "client_ca_file", "min_version"};
constexpr std::array<std::string_view, 5> upstream_tls_keys{"ca_file", "server_name", "cert_file",
                                                            "key_file", "insecure_skip_verify"};

string_check file_check(std::string (*check)(const std::string&)) {
    return [check](std::string& value) {
        return value.empty() ? std::string("must not be empty (leave the key out)") : check(value);
    };
}

// cert_file and key_file: both or neither; when both read, they must belong together.
void read_pair(const YAML::Node& node, const std::string& path, yaml_reader& in,
               std::string& cert_file, std::string& key_file, bool required) {
    const bool cert_ok =
        in.read_string(node, path, "cert_file", cert_file, file_check(check_certificate_file));
    const bool key_ok =
        in.read_string(node, path, "key_file", key_file, file_check(check_key_file));
    const bool cert_given = static_cast<bool>(node["cert_file"]);
    const bool key_given = static_cast<bool>(node["key_file"]);
    if ((required || key_given) && !cert_given) {
        in.problem(join(path, "cert_file"), "is required (PEM certificate chain)");
    }
    if ((required || cert_given) && !key_given) {
        in.problem(join(path, "key_file"), "is required (PEM private key of cert_file)");
    }
    if (cert_ok && key_ok) {
        if (const std::string reason = check_key_matches(cert_file, key_file); !reason.empty()) {
            in.problem(join(path, "key_file"), reason);
        }
    }
}

}  // namespace

void read_listener_tls(const YAML::Node& parent, const std::string& parent_path, yaml_reader& in,
                       std::optional<listener_tls>& out) {
    if (!parent || !parent.IsMap() || !parent["tls"]) {
        return;
    }
    const YAML::Node node = parent["tls"];
    const std::string path = join(parent_path, "tls");
    if (node.IsNull() || !in.check_map(node, path, listener_tls_keys)) {
        if (node.IsNull()) {
            in.problem(join(path, "cert_file"), "is required (PEM certificate chain)");
        }
        return;
    }
    listener_tls tls;
    read_pair(node, path, in, tls.cert_file, tls.key_file, true);
    in.read_string(node, path, "client_ca_file", tls.client_ca_file, file_check(check_ca_file));
    in.read_string(node, path, "min_version", tls.min_version, [](std::string& value) {
        return value == "1.2" || value == "1.3"
                   ? std::string{}
                   : "must be \"1.2\" or \"1.3\" (TLS 1.2 is the minimum), got '" + value + "'";
    });
    out = std::move(tls);
}

void read_upstream_tls(const YAML::Node& parent, const std::string& parent_path,
                       const upstream_url& url, yaml_reader& in, upstream_tls& out) {
    const YAML::Node node = parent["tls"];
    if (!node) {
        return;
    }
    const std::string path = join(parent_path, "tls");
    if (!url.text.empty() && !url.tls) {
        in.problem(path, "needs an https:// url");
    }
    if (!in.check_map(node, path, upstream_tls_keys)) {
        return;
    }
    in.read_string(node, path, "ca_file", out.ca_file, file_check(check_ca_file));
    in.read_string(node, path, "server_name", out.server_name, [](std::string& value) {
        upstream_url parsed;
        return value.find_first_of(":/[") == std::string::npos &&
                       parse_upstream_url("https://" + value, parsed).empty()
                   ? std::string{}
                   : "must be a host name (no port), got '" + value + "'";
    });
    read_pair(node, path, in, out.cert_file, out.key_file, false);
    in.read_bool(node, path, "insecure_skip_verify", out.insecure_skip_verify);
}

}  // namespace shadowproxy::config::detail
