// Every part of docs/config.md but the upstreams: listeners, mirror, compare, log, limits,
// features, promotion, and the walk over the whole document.
#include "config/sections.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <string_view>

#include "config/checks.hpp"
#include "config/text_file.hpp"

namespace shadowproxy::config::detail {
namespace {

constexpr std::int64_t no_max = std::numeric_limits<std::int64_t>::max();
constexpr double no_max_number = std::numeric_limits<double>::infinity();

constexpr std::array<std::string_view, 11> top_keys{"listen",  "admin",    "threads",  "production",
                                                    "shadows", "mirror",   "compare",  "log",
                                                    "limits",  "features", "promotion"};
constexpr std::array<std::string_view, 3> endpoint_keys{"address", "port", "tls"};
constexpr std::array<std::string_view, 5> admin_keys{"address", "port", "token_file",
                                                     "protect_reads", "tls"};
constexpr std::array<std::string_view, 6> mirror_keys{"queue_capacity",  "max_body_bytes",
                                                      "max_queue_bytes", "max_total_bytes",
                                                      "shadow_header",   "compare_threads"};
constexpr std::array<std::string_view, 2> shadow_header_keys{"name", "value"};
constexpr std::array<std::string_view, 11> compare_keys{"prediction_pointer",
                                                        "ignore_pointers",
                                                        "float_abs_tolerance",
                                                        "float_rel_tolerance",
                                                        "max_diffs",
                                                        "prediction_type",
                                                        "max_body_bytes",
                                                        "mode",
                                                        "openai",
                                                        "noise_reference",
                                                        "grpc"};
constexpr std::array<std::string_view, 2> openai_keys{"paths", "max_similarity_chars"};
constexpr std::array<std::string_view, 2> compare_grpc_keys{"prediction_output", "reduce"};
constexpr std::array<std::string_view, 8> log_keys{
    "path",           "max_file_bytes", "max_files",  "include_bodies", "body_limit_bytes",
    "redact_headers", "level",          "diff_values"};
constexpr std::array<std::string_view, 7> log_levels{"trace", "debug",    "info", "warn",
                                                     "error", "critical", "off"};
constexpr std::array<std::string_view, 9> limits_keys{
    "max_header_bytes",  "max_body_bytes",  "header_timeout_ms",
    "idle_timeout_ms",   "max_connections", "drain_timeout_ms",
    "max_header_fields", "allowed_methods", "h2_max_concurrent_streams"};
constexpr std::array<std::string_view, 4> features_keys{"pointer", "input", "names", "baseline"};
constexpr std::array<std::string_view, 16> promotion_keys{"min_requests",
                                                          "min_agreement",
                                                          "min_within_tolerance",
                                                          "max_mae",
                                                          "max_shadow_p95_ms",
                                                          "max_shadow_error_rate",
                                                          "max_status_mismatch_rate",
                                                          "max_feature_psi",
                                                          "shadow_accuracy",
                                                          "shadow_mae",
                                                          "use_lower_bound",
                                                          "min_mean_text_similarity",
                                                          "max_shadow_ttft_p95_ms",
                                                          "min_tool_call_agreement",
                                                          "max_finish_reason_mismatch_rate",
                                                          "max_similarity_gap_to_noise"};

std::string check_json_pointer(std::string& value) {
    return is_json_pointer(value)
               ? std::string{}
               : "must be a JSON pointer (empty, or starting with '/'; '~' only as ~0 or ~1), "
                 "got '" +
                     value + "'";
}

// Port 0 asks the kernel for any free port: tests use it, and so can side-car setups.
void read_endpoint(const YAML::Node& root, std::string_view key, yaml_reader& in, endpoint& out,
                   std::span<const std::string_view> keys = endpoint_keys) {
    const YAML::Node node = root[std::string(key)];
    const std::string path(key);
    if (!node || !in.check_map(node, path, keys)) {
        return;
    }
    in.read_string(node, path, "address", out.address, [](std::string& value) {
        return is_listen_address(value)
                   ? std::string{}
                   : "must be an IP address or host name (no brackets or port), got '" + value +
                         "'";
    });
    in.read_integer(node, path, "port", out.port, 0, 65535);
}

void read_listen(const YAML::Node& root, yaml_reader& in, listen_config& out) {
    read_endpoint(root, "listen", in, out);
    read_listener_tls(root["listen"], "listen", in, out.tls);
}

// The token is whatever the file holds minus surrounding white space (a Kubernetes Secret
// mounted as a file often ends in a newline); an empty or unreadable file is an error, so a
// broken mount never silently turns the write endpoints off.
void read_admin(const YAML::Node& root, yaml_reader& in, admin_config& out) {
    read_endpoint(root, "admin", in, out, admin_keys);
    const YAML::Node node = root["admin"];
    if (!node || !node.IsMap()) {
        return;
    }
    in.read_string(node, "admin", "token_file", out.token_file, [&out](std::string& value) {
        if (value.empty()) {
            return std::string("must not be empty (leave the key out for no write endpoints)");
        }
        std::string text;
        if (const std::string reason = read_text_file(value, text); !reason.empty()) {
            return "cannot read '" + value + "': " + reason;
        }
        const auto first = text.find_first_not_of(" \t\r\n");
        if (first == std::string::npos) {
            return "'" + value + "' is empty";
        }
        out.token = text.substr(first, text.find_last_not_of(" \t\r\n") + 1 - first);
        if (!is_header_value(out.token)) {
            return "'" + value + "' must hold one line without NUL characters";
        }
        return std::string{};
    });
    in.read_bool(node, "admin", "protect_reads", out.protect_reads);
    read_listener_tls(node, "admin", in, out.tls);
    if (out.protect_reads && out.token_file.empty()) {
        in.problem("admin.protect_reads", "needs admin.token_file (the token that protects them)");
    }
}

void read_mirror(const YAML::Node& node, yaml_reader& in, mirror_config& out) {
    const std::string path = "mirror";
    if (!node || !in.check_map(node, path, mirror_keys)) {
        return;
    }
    in.read_integer(node, path, "queue_capacity", out.queue_capacity, 1, 10'000'000);
    in.read_integer(node, path, "max_body_bytes", out.max_body_bytes, 0, no_max);
    in.read_integer(node, path, "max_queue_bytes", out.max_queue_bytes, 1, no_max);
    in.read_integer(node, path, "max_total_bytes", out.max_total_bytes, 1, no_max);
    in.read_integer(node, path, "compare_threads", out.compare_threads, 0, 256);
    const YAML::Node header = node["shadow_header"];
    const std::string header_path = join(path, "shadow_header");
    if (header && in.check_map(header, header_path, shadow_header_keys)) {
        in.read_string(header, header_path, "name", out.shadow_header_name, check_header_name);
        in.read_string(header, header_path, "value", out.shadow_header_value, check_header_value);
    }
}

void read_compare_grpc(const YAML::Node& node, yaml_reader& in, grpc_compare_config& out) {
    const std::string path = "compare.grpc";
    if (!node || !in.check_map(node, path, compare_grpc_keys)) {
        return;
    }
    in.read_string(node, path, "prediction_output", out.prediction_output, [](std::string& value) {
        return value.empty() ? std::string("must name an output tensor") : std::string{};
    });
    std::string reduce = "argmax";
    if (in.read_string(node, path, "reduce", reduce, [](std::string& value) {
            return value == "argmax" || value == "value"
                       ? std::string{}
                       : "must be argmax or value, got '" + value + "'";
        })) {
        out.reduce = reduce == "value" ? tensor_reduce::value : tensor_reduce::argmax;
    }
}

void read_compare(const YAML::Node& node, yaml_reader& in, compare_config& out) {
    const std::string path = "compare";
    if (!node || !in.check_map(node, path, compare_keys)) {
        return;
    }
    in.read_string(node, path, "prediction_pointer", out.prediction_pointer, check_json_pointer);
    in.read_string_list(node, path, "ignore_pointers", out.ignore_pointers, check_json_pointer);
    in.read_number(node, path, "float_abs_tolerance", out.float_abs_tolerance, 0, no_max_number);
    in.read_number(node, path, "float_rel_tolerance", out.float_rel_tolerance, 0, no_max_number);
    in.read_integer(node, path, "max_diffs", out.max_diffs, 0, 1'000'000);
    std::string type = "class";
    if (in.read_string(node, path, "prediction_type", type, [](std::string& value) {
            return value == "class" || value == "regression"
                       ? std::string{}
                       : "must be class or regression, got '" + value + "'";
        })) {
        out.predictions =
            type == "regression" ? prediction_type::regression : prediction_type::class_label;
    }
    in.read_integer(node, path, "max_body_bytes", out.max_body_bytes, 0, no_max);
    read_compare_grpc(node["grpc"], in, out.grpc);
    std::string mode = "json";
    if (in.read_string(node, path, "mode", mode, [](std::string& value) {
            return value == "json" || value == "openai"
                       ? std::string{}
                       : "must be json or openai, got '" + value + "'";
        })) {
        out.mode = mode == "openai" ? compare_mode::openai : compare_mode::json;
    }
    const YAML::Node openai = node["openai"];
    const std::string openai_path = "compare.openai";
    if (openai && in.check_map(openai, openai_path, openai_keys)) {
        in.read_string_list(openai, openai_path, "paths", out.openai.paths, [](std::string& value) {
            return !value.empty() && value.front() == '/'
                       ? std::string{}
                       : "must be a path starting with '/', got '" + value + "'";
        });
        in.read_integer(openai, openai_path, "max_similarity_chars",
                        out.openai.max_similarity_chars, 1, 1'000'000);
    }
}

// An optional criterion: set only when the key is in the file.
void read_optional(const YAML::Node& node, const std::string& path, std::string_view key,
                   yaml_reader& in, std::optional<double>& out, double max) {
    double value = 0;
    if (in.read_number(node, path, key, value, 0, max)) {
        out = value;
    }
}

void read_log(const YAML::Node& node, yaml_reader& in, log_config& out) {
    const std::string path = "log";
    if (!node || !in.check_map(node, path, log_keys)) {
        return;
    }
    in.read_string(node, path, "path", out.path, [](std::string& value) {
        return value.empty() ? std::string("must not be empty (\"-\" means stdout)")
                             : std::string{};
    });
    in.read_integer(node, path, "max_file_bytes", out.max_file_bytes, 1024, no_max);
    in.read_integer(node, path, "max_files", out.max_files, 1, 100'000);
    in.read_bool(node, path, "include_bodies", out.include_bodies);
    in.read_bool(node, path, "diff_values", out.diff_values);
    in.read_integer(node, path, "body_limit_bytes", out.body_limit_bytes, 0, no_max);
    in.read_string_list(node, path, "redact_headers", out.redact_headers, [](std::string& value) {
        value = to_lower(value);
        return check_header_name(value);
    });
    in.read_string(node, path, "level", out.level, [](std::string& value) {
        value = to_lower(value);
        return std::find(log_levels.begin(), log_levels.end(), value) != log_levels.end()
                   ? std::string{}
                   : "must be one of trace, debug, info, warn, error, critical, off, got '" +
                         value + "'";
    });
}

void read_limits(const YAML::Node& node, yaml_reader& in, limits_config& out) {
    const std::string path = "limits";
    if (!node || !in.check_map(node, path, limits_keys)) {
        return;
    }
    in.read_integer(node, path, "max_header_bytes", out.max_header_bytes, 1, no_max);
    in.read_integer(node, path, "max_body_bytes", out.max_body_bytes, 0, no_max);
    in.read_duration(node, path, "header_timeout_ms", out.header_timeout, 1, max_timeout_ms);
    in.read_duration(node, path, "idle_timeout_ms", out.idle_timeout, 1, max_timeout_ms);
    in.read_integer(node, path, "max_connections", out.max_connections, 1, 10'000'000);
    in.read_duration(node, path, "drain_timeout_ms", out.drain_timeout, 1, max_timeout_ms);
    in.read_integer(node, path, "max_header_fields", out.max_header_fields, 1, 100'000);
    in.read_integer(node, path, "h2_max_concurrent_streams", out.h2_max_concurrent_streams, 1,
                    1'000'000);
    std::vector<std::string> methods;
    if (in.read_string_list(node, path, "allowed_methods", methods, [](std::string& value) {
            if (!is_token(value)) {
                return "is not a valid method name, got '" + value + "'";
            }
            if (value == "CONNECT" || value == "TRACE") {
                return value + " is always refused with 405 and cannot be allowed";
            }
            return std::string{};
        })) {
        if (methods.empty()) {
            in.problem(join(path, "allowed_methods"), "must list at least one method");
        }
        out.allowed_methods = std::move(methods);
    }
}

// The baseline is read again by whoever uses it; checking it here turns a typo in the path
// into a start-up error instead of a report that silently has no drift numbers.
std::string check_baseline(std::string& value) {
    if (value.empty()) {
        return "must not be empty (leave the key out for no baseline)";
    }
    std::string text;
    if (const std::string reason = read_text_file(value, text); !reason.empty()) {
        return "cannot read '" + value + "': " + reason;
    }
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) {
        return "'" + value + "' is not valid JSON";
    }
    if (!json.is_object() || !json.contains("features") || !json["features"].is_object()) {
        return "'" + value + "' has no \"features\" object (make it with shadowproxy baseline)";
    }
    return {};
}

void read_features(const YAML::Node& node, yaml_reader& in, std::optional<features_config>& out) {
    const std::string path = "features";
    if (!node || !in.check_map(node, path, features_keys)) {
        return;
    }
    features_config features;
    in.read_string(node, path, "pointer", features.pointer, check_json_pointer);
    in.read_string(node, path, "input", features.input, [](std::string& value) {
        return value.empty() ? std::string("must name an input tensor") : std::string{};
    });
    std::vector<std::string> names;
    if (in.read_string_list(node, path, "names", names, [](std::string& value) {
            return value.empty() ? std::string("must not be empty") : std::string{};
        })) {
        std::set<std::string> seen;
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (!seen.insert(names[i]).second) {
                in.problem(join(join(path, "names"), i), "duplicate name '" + names[i] + "'");
            }
        }
        features.names = std::move(names);
    }
    in.read_string(node, path, "baseline", features.baseline, check_baseline);
    out = std::move(features);
}

void read_promotion(const YAML::Node& node, yaml_reader& in, promotion_config& out) {
    const std::string path = "promotion";
    if (!node || !in.check_map(node, path, promotion_keys)) {
        return;
    }
    in.read_integer(node, path, "min_requests", out.min_requests, 0, no_max);
    in.read_number(node, path, "min_agreement", out.min_agreement, 0, 1);
    // A duration like every *_ms key, hence an integer, though compared with measured doubles.
    in.read_integer(node, path, "max_shadow_p95_ms", out.max_shadow_p95_ms, 0, max_timeout_ms);
    in.read_number(node, path, "max_shadow_error_rate", out.max_shadow_error_rate, 0, 1);
    out.max_feature_psi_set =
        in.read_number(node, path, "max_feature_psi", out.max_feature_psi, 0, no_max_number);
    in.read_number(node, path, "min_within_tolerance", out.min_within_tolerance, 0, 1);
    double max_mae = 0;
    if (in.read_number(node, path, "max_mae", max_mae, 0, no_max_number)) {
        out.max_mae = max_mae;
    }
    in.read_number(node, path, "max_status_mismatch_rate", out.max_status_mismatch_rate, 0, 1);
    bool flag = false;
    if (in.read_bool(node, path, "shadow_accuracy", flag)) {
        out.shadow_accuracy = flag;
    }
    if (in.read_bool(node, path, "shadow_mae", flag)) {
        out.shadow_mae = flag;
    }
    in.read_bool(node, path, "use_lower_bound", out.use_lower_bound);
    read_optional(node, path, "min_mean_text_similarity", in, out.min_mean_text_similarity, 1);
    read_optional(node, path, "max_shadow_ttft_p95_ms", in, out.max_shadow_ttft_p95_ms,
                  max_timeout_ms);
    read_optional(node, path, "min_tool_call_agreement", in, out.min_tool_call_agreement, 1);
    read_optional(node, path, "max_finish_reason_mismatch_rate", in,
                  out.max_finish_reason_mismatch_rate, 1);
    read_optional(node, path, "max_similarity_gap_to_noise", in, out.max_similarity_gap_to_noise,
                  1);
}

}  // namespace

std::string check_name(std::string& value) {
    return is_safe_name(value)
               ? std::string{}
               : "must be non-empty and use only letters, digits, '.', '_' and '-', got '" + value +
                     "'";
}

std::string check_header_name(std::string& value) {
    return is_token(value) ? std::string{} : "is not a valid header name, got '" + value + "'";
}

std::string check_header_value(std::string& value) {
    return is_header_value(value) ? std::string{}
                                  : "must not contain line breaks or NUL characters";
}

void read_config(const YAML::Node& root, yaml_reader& in, config& out) {
    if (!in.check_map(root, "", top_keys)) {
        return;
    }
    read_listen(root, in, out.listen);
    read_admin(root, in, out.admin);
    in.read_integer(root, "", "threads", out.threads, 0, 1024);
    const YAML::Node production = root["production"];
    if (!production || production.IsNull()) {
        in.problem("production.url", "is required (http[s]://host[:port])");
    } else {
        read_production(production, in, out.production);
    }
    read_shadows(root["shadows"], out.production.name, in, out.shadows);
    read_mirror(root["mirror"], in, out.mirror);
    read_compare(root["compare"], in, out.compare);
    if (const YAML::Node compare = root["compare"]; compare && compare.IsMap()) {
        read_noise_reference(compare["noise_reference"], out.production.name, out.shadows, in,
                             out.compare.noise_reference);
    }
    read_log(root["log"], in, out.log);
    read_limits(root["limits"], in, out.limits);
    read_features(root["features"], in, out.features);
    read_promotion(root["promotion"], in, out.promotion);
}

}  // namespace shadowproxy::config::detail
