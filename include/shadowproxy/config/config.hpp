// The validated configuration: SPEC §3 as plain values with their defaults.
//
// Built once by config::load_file() (or parse()) and never read from YAML again. The running
// proxy shares it as std::shared_ptr<const config>, replaced whole on SIGHUP, so any thread may
// read a snapshot it holds. Loading fails with config_error carrying every problem found.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace shadowproxy::config {

using milliseconds = std::chrono::milliseconds;

struct endpoint {
    std::string address;
    std::uint16_t port = 0;
};

// An http:// upstream URL split into the parts the proxy uses.
struct upstream_url {
    std::string text;  // as written in the file
    std::string host;  // name or address to resolve
    std::uint16_t port = 80;
    std::string authority;  // host[:port] as written, sent as the Host header
};

struct production_config {
    std::string name = "production";
    upstream_url url;
    milliseconds timeout{5000};
    milliseconds connect_timeout{1000};
    std::size_t max_idle_connections = 64;
};

struct match_filter {
    std::vector<std::string> methods{"GET", "HEAD", "POST"};  // upper case
    std::vector<std::string> path_prefixes;                   // empty = every path
};

struct sample_key {
    enum class source { request_id, header };
    source from = source::request_id;
    std::string header;  // when from == header, as written after "header:"
};

struct shadow_config {
    std::string name;
    upstream_url url;
    double sample_rate = 1.0;
    milliseconds timeout{5000};
    milliseconds connect_timeout{1000};
    sample_key key;
    std::size_t max_in_flight = 256;
    match_filter match;
    std::vector<std::pair<std::string, std::string>> set_headers;  // in file order
};

struct mirror_config {
    std::size_t queue_capacity = 10000;
    std::size_t max_body_bytes = 1048576;
    std::string shadow_header_name = "X-Shadow-Request";
    std::string shadow_header_value = "true";
};

struct compare_config {
    std::string prediction_pointer = "/prediction";
    std::vector<std::string> ignore_pointers{"/model_version", "/latency_ms"};
    double float_abs_tolerance = 0.0;
    double float_rel_tolerance = 0.0;
    std::size_t max_diffs = 20;
    // Of each side's answer body, the prefix kept for the comparison (the rest is relayed or
    // read and discarded); a longer body's record side says "truncated": true.
    std::size_t max_body_bytes = 1048576;
};

struct log_config {
    std::string path = "/var/log/shadowproxy/comparisons.jsonl";  // "-" = stdout
    std::uint64_t max_file_bytes = 104857600;
    std::size_t max_files = 10;
    bool include_bodies = false;
    std::size_t body_limit_bytes = 4096;
    std::vector<std::string> redact_headers{"authorization", "cookie", "set-cookie", "x-api-key"};
    std::string level = "info";  // trace, debug, info, warn, error, critical, off
};

struct limits_config {
    std::size_t max_header_bytes = 16384;
    std::size_t max_body_bytes = 10485760;
    milliseconds header_timeout{10000};
    milliseconds idle_timeout{60000};
    std::size_t max_connections = 10000;
    milliseconds drain_timeout{15000};
};

struct features_config {
    std::string pointer = "/features";
    std::vector<std::string> names;
    std::string baseline;  // empty = none
};

struct promotion_config {
    std::uint64_t min_requests = 1000;
    double min_agreement = 0.99;
    double max_shadow_p95_ms = 200;
    double max_shadow_error_rate = 0.001;
    double max_feature_psi = 0.25;  // applies only with a features baseline
};

struct config {
    std::string source_path;  // the file it was loaded from, for reloads and messages
    endpoint listen{"0.0.0.0", 8080};
    endpoint admin{"127.0.0.1", 9901};
    unsigned threads = 0;  // 0 = one per hardware thread; see worker_count()
    production_config production;
    std::vector<shadow_config> shadows;
    mirror_config mirror;
    compare_config compare;
    log_config log;
    limits_config limits;
    std::optional<features_config> features;
    promotion_config promotion;

    unsigned worker_count() const;
};

// Thrown by load_file()/parse(): what() is every problem, one per line, each
// "FILE: key.path: reason"; problems() gives them one by one.
class config_error : public std::runtime_error {
public:
    explicit config_error(std::vector<std::string> problems);
    const std::vector<std::string>& problems() const { return problems_; }

private:
    std::vector<std::string> problems_;
};

config load_file(const std::string& path);
config parse(const std::string& yaml_text, const std::string& file_name);

}  // namespace shadowproxy::config
