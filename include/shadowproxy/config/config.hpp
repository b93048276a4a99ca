// The validated configuration: docs/config.md as plain values with their defaults.
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

// TLS on a listener (listen.tls, admin.tls). The files are read and checked at load time (and on
// every reload): a missing, unparsable or mismatched file is a config problem.
struct listener_tls {
    std::string cert_file;       // PEM: the certificate, then its chain
    std::string key_file;        // PEM: the certificate's private key
    std::string client_ca_file;  // empty = no client certificate asked; else required and checked
    std::string min_version = "1.2";  // "1.2" or "1.3"
};

// TLS to an https:// upstream.
struct upstream_tls {
    std::string ca_file;      // empty = the system's trust store
    std::string server_name;  // SNI and the name verified; empty = the URL's host
    std::string cert_file;    // client certificate (mTLS), with key_file
    std::string key_file;
    bool insecure_skip_verify = false;
};

// An http:// or https:// upstream URL split into the parts the proxy uses.
struct upstream_url {
    std::string text;  // as written in the file
    bool tls = false;  // https://
    std::string host;  // name or address to resolve
    std::uint16_t port = 80;
    std::string authority;  // host[:port] as written, sent as the Host header by default
    std::string base_path;  // "" or "/seg[/seg…]" without a trailing '/': prefixes every path
};

// How the proxy speaks to an upstream: HTTP/1.1, HTTP/2 with prior knowledge over plain TCP
// (h2c, http:// only) or HTTP/2 over TLS chosen by ALPN (h2, https:// only).
enum class upstream_protocol { http1, h2c, h2 };

// Replaces a leading path prefix of the request (after matching, before the base path).
struct path_rewrite {
    std::string from;  // starts with '/'
    std::string to;    // starts with '/'
};

struct production_config {
    std::string name = "production";
    upstream_url url;
    std::string host;  // Host header sent; empty = url.authority
    milliseconds timeout{5000};
    milliseconds connect_timeout{1000};
    std::size_t max_idle_connections = 64;
    milliseconds resolve_interval{30000};
    upstream_tls tls;  // used when url.tls
    upstream_protocol protocol = upstream_protocol::http1;
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
    milliseconds resolve_interval{30000};
    unsigned eject_after_failures = 5;  // 0 = never eject
    std::string host;                   // empty = url.authority
    std::optional<path_rewrite> rewrite;
    std::vector<std::string> remove_headers;  // lower case; not sent to this shadow
    upstream_tls tls;                         // used when url.tls
    upstream_protocol protocol = upstream_protocol::http1;
    bool noise_reference = false;  // compare.noise_reference: a second production instance
};

struct mirror_config {
    std::size_t queue_capacity = 10000;
    std::size_t max_body_bytes = 1048576;
    std::uint64_t max_queue_bytes = 67108864;   // request bodies queued + in flight, per shadow
    std::uint64_t max_total_bytes = 268435456;  // the same, all shadows together
    std::string shadow_header_name = "X-Shadow-Request";
    std::string shadow_header_value = "true";
    // Threads comparing answers and writing records beside the mirror thread's shadow I/O;
    // 0 = the mirror thread compares (measured cheaper on small machines: docs/architecture.md).
    unsigned compare_threads = 0;
};

// class: predictions are labels (agreement, kappa, confusion); regression: numbers (MAE, RMSE,
// correlation, share within the tolerances).
enum class prediction_type { class_label, regression };

// compare.grpc.reduce: how the prediction output tensor becomes the record's prediction.
// argmax: the index of the largest element per row (classifiers); value: the elements.
enum class tensor_reduce { argmax, value };

// compare.grpc: predictions read from an Open Inference Protocol answer (a gRPC ModelInfer
// answer's view, or the JSON of the REST form) instead of at prediction_pointer.
struct grpc_compare_config {
    std::string prediction_output;  // the output tensor's name; empty = use prediction_pointer
    tensor_reduce reduce = tensor_reduce::argmax;
};

// json: bodies compared as JSON documents; openai: OpenAI-compatible answers (streamed or not)
// on compare.openai.paths are assembled and compared as generated text.
enum class compare_mode { json, openai };

struct openai_config {
    std::vector<std::string> paths{"/v1/chat/completions", "/v1/completions"};
    // text_similarity's bound: code points of each text compared exactly, after the common
    // prefix and suffix are cut.
    std::size_t max_similarity_chars = 4096;
};

struct compare_config {
    std::string prediction_pointer = "/prediction";
    grpc_compare_config grpc;
    prediction_type predictions = prediction_type::class_label;
    std::vector<std::string> ignore_pointers{"/model_version", "/latency_ms"};
    double float_abs_tolerance = 0.0;
    double float_rel_tolerance = 0.0;
    std::size_t max_diffs = 20;
    // Of each side's answer body, the prefix kept for the comparison (the rest is relayed or
    // read and discarded); a longer body's record side says "truncated": true.
    std::size_t max_body_bytes = 1048576;
    compare_mode mode = compare_mode::json;
    openai_config openai;
    // A second instance of production fed a sampled share of the copies like a shadow; its
    // records carry "reference": "noise" (the noise floor).
    std::optional<shadow_config> noise_reference;
};

struct log_config {
    std::string path = "/var/log/shadowproxy/comparisons.jsonl";  // "-" = stdout
    std::uint64_t max_file_bytes = 104857600;
    std::size_t max_files = 10;
    bool include_bodies = false;
    std::size_t body_limit_bytes = 4096;
    bool diff_values = true;  // false: diff entries carry pointers, types and `missing` only
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
    std::size_t max_header_fields = 100;  // field lines in a request head → 431 above
    // Streams open at once on one HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS).
    std::size_t h2_max_concurrent_streams = 256;
    // Case-sensitive; anything else is 400. CONNECT and TRACE are always 405.
    std::vector<std::string> allowed_methods{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"};
};

struct features_config {
    std::string pointer = "/features";
    std::vector<std::string> names;
    std::string baseline;  // empty = none
    // An Open Inference Protocol input tensor's name: when set, the features are that input's
    // data (REST JSON body or gRPC ModelInfer request) and `pointer` is not used.
    std::string input;
};

struct promotion_config {
    std::uint64_t min_requests = 1000;
    double min_agreement = 0.99;         // class predictions
    double min_within_tolerance = 0.99;  // regression predictions
    std::optional<double> max_mae;       // regression, shadow vs production; only when set
    double max_shadow_p95_ms = 200;
    double max_shadow_error_rate = 0.001;
    double max_status_mismatch_rate = 0.001;
    double max_feature_psi = 0.25;     // by default only with a features baseline
    bool max_feature_psi_set = false;  // written in the file or a flag: judged even without one
    // shadow_accuracy (class) / shadow_mae (regression) against labels: nullopt judges them
    // whenever labels are given; true requires labels; false turns them off.
    std::optional<bool> shadow_accuracy;
    std::optional<bool> shadow_mae;
    // Judge min_agreement / min_within_tolerance on the 95% Wilson interval's lower bound.
    bool use_lower_bound = false;
    // Generated text (compare.mode openai) and the noise floor: judged only when set.
    std::optional<double> min_mean_text_similarity;
    std::optional<double> max_shadow_ttft_p95_ms;
    std::optional<double> min_tool_call_agreement;
    std::optional<double> max_finish_reason_mismatch_rate;
    std::optional<double> max_similarity_gap_to_noise;
};

// The admin listener and who may use it. The token is read from token_file at load time (and
// again on every reload); without a token file the write endpoints answer 404.
struct admin_config : endpoint {
    admin_config() : endpoint{"127.0.0.1", 9901} {}
    std::string token_file;  // empty = no write endpoints
    std::string token;       // the file's content, surrounding white space removed
    bool protect_reads = false;
    std::optional<listener_tls> tls;  // admin.tls: HTTPS on the admin listener
};

struct listen_config : endpoint {
    listen_config() : endpoint{"0.0.0.0", 8080} {}
    std::optional<listener_tls> tls;  // listen.tls: HTTPS for clients
};

struct config {
    std::string source_path;  // the file it was loaded from, for reloads and messages
    listen_config listen;
    admin_config admin;
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
    // The most request-body bytes the mirror may hold: min(mirror.max_total_bytes,
    // shadows × mirror.max_queue_bytes).
    std::uint64_t mirror_budget_bytes() const;
};

// What the proxy needs besides the mirror's bodies (code, threads, buffers, client bodies in
// flight at moderate concurrency): a container's memory limit should be at least
// mirror_budget_bytes() + proxy_baseline_bytes.
inline constexpr std::uint64_t proxy_baseline_bytes = 64ULL * 1024 * 1024;

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
