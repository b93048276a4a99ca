// Config loading that succeeds: defaults, a full valid file, URL parts, load_file() and the
// shipped example config.
#include "shadowproxy/config/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "config_test_util.hpp"

namespace shadowproxy::config {
namespace {

using testing_util::minimal;
using testing_util::write_temp;

std::filesystem::path source_file(const std::string& relative) {
    // Walk up from the test binary (build/<preset>/tests/unit_tests) to the source tree.
    std::error_code ec;
    auto dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
    for (; !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
        if (std::filesystem::exists(dir / relative)) {
            return dir / relative;
        }
    }
    return std::filesystem::path(__FILE__).parent_path() / "../../.." / relative;
}

TEST(ConfigParse, DefaultsWhenOnlyProductionUrlIsGiven) {
    const config c = parse(minimal, "min.yaml");
    EXPECT_EQ(c.source_path, "");
    EXPECT_EQ(c.listen.address, "0.0.0.0");
    EXPECT_EQ(c.listen.port, 8080);
    EXPECT_EQ(c.admin.address, "127.0.0.1");
    EXPECT_EQ(c.admin.port, 9901);
    EXPECT_EQ(c.threads, 0U);
    EXPECT_EQ(c.production.name, "production");
    EXPECT_EQ(c.production.url.text, "http://127.0.0.1:8081");
    EXPECT_EQ(c.production.url.host, "127.0.0.1");
    EXPECT_EQ(c.production.url.port, 8081);
    EXPECT_EQ(c.production.url.authority, "127.0.0.1:8081");
    EXPECT_EQ(c.production.timeout, milliseconds(5000));
    EXPECT_EQ(c.production.connect_timeout, milliseconds(1000));
    EXPECT_EQ(c.production.max_idle_connections, 64U);
    EXPECT_TRUE(c.shadows.empty());
    EXPECT_EQ(c.mirror.queue_capacity, 10000U);
    EXPECT_EQ(c.mirror.max_body_bytes, 1048576U);
    EXPECT_EQ(c.mirror.max_queue_bytes, 67108864U);
    EXPECT_EQ(c.mirror.max_total_bytes, 268435456U);
    EXPECT_EQ(c.mirror.compare_threads, 0U);
    EXPECT_EQ(c.production.resolve_interval, milliseconds(30000));
    EXPECT_EQ(c.mirror.shadow_header_name, "X-Shadow-Request");
    EXPECT_EQ(c.mirror.shadow_header_value, "true");
    EXPECT_EQ(c.compare.prediction_pointer, "/prediction");
    EXPECT_EQ(c.compare.ignore_pointers,
              (std::vector<std::string>{"/model_version", "/latency_ms"}));
    EXPECT_EQ(c.compare.max_diffs, 20U);
    EXPECT_EQ(c.compare.max_body_bytes, 1048576U);
    EXPECT_EQ(c.log.path, "/var/log/shadowproxy/comparisons.jsonl");
    EXPECT_EQ(c.log.max_file_bytes, 104857600U);
    EXPECT_EQ(c.log.max_files, 10U);
    EXPECT_FALSE(c.log.include_bodies);
    EXPECT_EQ(c.log.level, "info");
    EXPECT_EQ(c.log.redact_headers.size(), 4U);
    EXPECT_EQ(c.limits.max_header_bytes, 16384U);
    EXPECT_EQ(c.limits.max_body_bytes, 10485760U);
    EXPECT_EQ(c.limits.header_timeout, milliseconds(10000));
    EXPECT_EQ(c.limits.idle_timeout, milliseconds(60000));
    EXPECT_EQ(c.limits.max_connections, 10000U);
    EXPECT_EQ(c.limits.drain_timeout, milliseconds(15000));
    EXPECT_EQ(c.limits.max_header_fields, 100U);
    EXPECT_EQ(c.limits.h2_max_concurrent_streams, 256U);
    EXPECT_EQ(c.limits.allowed_methods,
              (std::vector<std::string>{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"}));
    EXPECT_FALSE(c.features.has_value());
    EXPECT_EQ(c.promotion.min_requests, 1000U);
    EXPECT_DOUBLE_EQ(c.promotion.min_agreement, 0.99);
    EXPECT_DOUBLE_EQ(c.promotion.max_shadow_p95_ms, 200);
    EXPECT_DOUBLE_EQ(c.promotion.max_shadow_error_rate, 0.001);
    EXPECT_DOUBLE_EQ(c.promotion.max_feature_psi, 0.25);
}

TEST(ConfigParse, FullValidConfig) {
    const std::string baseline =
        write_temp("config_test_baseline.json", R"({"features": {"age": {}}, "rows": 3})");
    const config c = parse(R"(
listen: { address: 127.0.0.1, port: 0 }
admin: { address: "::1", port: 9902 }
threads: 4
production:
  name: model-v1
  url: http://ml-v1.internal/
  timeout_ms: 2500
  connect_timeout_ms: 300
  max_idle_connections: 0
  resolve_interval_ms: 5000
shadows:
  - name: model-v2
    url: "http://[::1]:8082"
    sample_rate: 0.25
    timeout_ms: 700
    connect_timeout_ms: 100
    sample_key: header:X-User-Id
    max_in_flight: 8
    match: { methods: [post, Get], path_prefixes: ["/predict", "/v2/"] }
    set_headers: { X-Model-Candidate: "v2", A-Second: 2, x-third: "" }
    resolve_interval_ms: 1000
    eject_after_failures: 0
  - url: http://10.0.0.3:9000
    sample_rate: 1
mirror:
  queue_capacity: 5
  max_body_bytes: 0
  max_queue_bytes: 1024
  max_total_bytes: 4096
  shadow_header: { name: X-Mirror, value: "yes" }
  compare_threads: 3
compare:
  prediction_pointer: ""
  ignore_pointers: [/a~1b, /c~0d/0]
  float_abs_tolerance: 1e-6
  float_rel_tolerance: 0.01
  max_diffs: 0
  max_body_bytes: 4096
log:
  path: "-"
  max_file_bytes: 1024
  max_files: 1
  include_bodies: true
  body_limit_bytes: 0
  redact_headers: [Authorization, X-Secret]
  level: DEBUG
limits:
  max_header_bytes: 1
  max_body_bytes: 0
  header_timeout_ms: 1
  idle_timeout_ms: 2
  max_connections: 1
  drain_timeout_ms: 3
  max_header_fields: 7
  allowed_methods: [GET, PURGE, get]
features:
  pointer: /inputs
  names: [age, income]
  baseline: )" + baseline + R"(
promotion:
  min_requests: 0
  min_agreement: 1
  max_shadow_p95_ms: 50
  max_shadow_error_rate: 0
  max_feature_psi: 0.1
)",
                           "full.yaml");
    EXPECT_EQ(c.listen.address, "127.0.0.1");
    EXPECT_EQ(c.listen.port, 0);
    EXPECT_EQ(c.admin.address, "::1");
    EXPECT_EQ(c.admin.port, 9902);
    EXPECT_EQ(c.threads, 4U);
    EXPECT_EQ(c.worker_count(), 4U);
    EXPECT_EQ(c.production.name, "model-v1");
    EXPECT_EQ(c.production.url.host, "ml-v1.internal");
    EXPECT_EQ(c.production.url.port, 80);
    EXPECT_EQ(c.production.url.authority, "ml-v1.internal");
    EXPECT_EQ(c.production.url.text, "http://ml-v1.internal/");
    EXPECT_EQ(c.production.timeout, milliseconds(2500));
    EXPECT_EQ(c.production.connect_timeout, milliseconds(300));
    EXPECT_EQ(c.production.max_idle_connections, 0U);

    ASSERT_EQ(c.shadows.size(), 2U);
    const shadow_config& s = c.shadows[0];
    EXPECT_EQ(s.name, "model-v2");
    EXPECT_EQ(s.url.host, "::1");
    EXPECT_EQ(s.url.port, 8082);
    EXPECT_EQ(s.url.authority, "[::1]:8082");
    EXPECT_DOUBLE_EQ(s.sample_rate, 0.25);
    EXPECT_EQ(s.timeout, milliseconds(700));
    EXPECT_EQ(s.connect_timeout, milliseconds(100));
    EXPECT_EQ(s.key.from, sample_key::source::header);
    EXPECT_EQ(s.key.header, "X-User-Id");
    EXPECT_EQ(s.max_in_flight, 8U);
    EXPECT_EQ(s.match.methods, (std::vector<std::string>{"POST", "GET"}));
    EXPECT_EQ(s.match.path_prefixes, (std::vector<std::string>{"/predict", "/v2/"}));
    using header = std::pair<std::string, std::string>;
    EXPECT_EQ(s.set_headers, (std::vector<header>{
                                 {"X-Model-Candidate", "v2"}, {"A-Second", "2"}, {"x-third", ""}}));
    EXPECT_EQ(s.resolve_interval, milliseconds(1000));
    EXPECT_EQ(s.eject_after_failures, 0U);
    EXPECT_EQ(c.shadows[1].resolve_interval, milliseconds(30000));
    EXPECT_EQ(c.shadows[1].eject_after_failures, 5U);
    EXPECT_EQ(c.shadows[1].name, "shadow1");
    EXPECT_EQ(c.shadows[1].key.from, sample_key::source::request_id);
    EXPECT_EQ(c.shadows[1].match.methods, (std::vector<std::string>{"GET", "HEAD", "POST"}));

    EXPECT_EQ(c.mirror.queue_capacity, 5U);
    EXPECT_EQ(c.mirror.max_body_bytes, 0U);
    EXPECT_EQ(c.mirror.max_queue_bytes, 1024U);
    EXPECT_EQ(c.mirror.max_total_bytes, 4096U);
    EXPECT_EQ(c.mirror.compare_threads, 3U);
    EXPECT_EQ(c.production.resolve_interval, milliseconds(5000));
    EXPECT_EQ(c.mirror.shadow_header_name, "X-Mirror");
    EXPECT_EQ(c.mirror.shadow_header_value, "yes");
    EXPECT_EQ(c.compare.prediction_pointer, "");
    EXPECT_EQ(c.compare.ignore_pointers, (std::vector<std::string>{"/a~1b", "/c~0d/0"}));
    EXPECT_DOUBLE_EQ(c.compare.float_abs_tolerance, 1e-6);
    EXPECT_DOUBLE_EQ(c.compare.float_rel_tolerance, 0.01);
    EXPECT_EQ(c.compare.max_diffs, 0U);
    EXPECT_EQ(c.compare.max_body_bytes, 4096U);
    EXPECT_EQ(c.log.path, "-");
    EXPECT_EQ(c.log.max_file_bytes, 1024U);
    EXPECT_EQ(c.log.max_files, 1U);
    EXPECT_TRUE(c.log.include_bodies);
    EXPECT_EQ(c.log.body_limit_bytes, 0U);
    EXPECT_EQ(c.log.redact_headers, (std::vector<std::string>{"authorization", "x-secret"}));
    EXPECT_EQ(c.log.level, "debug");
    EXPECT_EQ(c.limits.max_header_bytes, 1U);
    EXPECT_EQ(c.limits.max_body_bytes, 0U);
    EXPECT_EQ(c.limits.header_timeout, milliseconds(1));
    EXPECT_EQ(c.limits.idle_timeout, milliseconds(2));
    EXPECT_EQ(c.limits.max_connections, 1U);
    EXPECT_EQ(c.limits.drain_timeout, milliseconds(3));
    EXPECT_EQ(c.limits.max_header_fields, 7U);
    EXPECT_EQ(c.limits.allowed_methods, (std::vector<std::string>{"GET", "PURGE", "get"}));
    ASSERT_TRUE(c.features.has_value());
    EXPECT_EQ(c.features->pointer, "/inputs");
    EXPECT_EQ(c.features->names, (std::vector<std::string>{"age", "income"}));
    EXPECT_EQ(c.features->baseline, baseline);
    EXPECT_EQ(c.promotion.min_requests, 0U);
    EXPECT_DOUBLE_EQ(c.promotion.min_agreement, 1);
    EXPECT_DOUBLE_EQ(c.promotion.max_shadow_p95_ms, 50);
    EXPECT_DOUBLE_EQ(c.promotion.max_shadow_error_rate, 0);
    EXPECT_DOUBLE_EQ(c.promotion.max_feature_psi, 0.1);
}

TEST(ConfigParse, EmptyFeaturesSectionEnablesDefaults) {
    const config c = parse(minimal + "features:\nshadows:\n", "f.yaml");
    ASSERT_TRUE(c.features.has_value());
    EXPECT_EQ(c.features->pointer, "/features");
    EXPECT_TRUE(c.features->baseline.empty());
    EXPECT_TRUE(c.shadows.empty());
}

TEST(ConfigParse, OpenInferenceProtocolPredictionAndFeatures) {
    const config defaults = parse(minimal, "f.yaml");
    EXPECT_TRUE(defaults.compare.grpc.prediction_output.empty());
    EXPECT_EQ(defaults.compare.grpc.reduce, tensor_reduce::argmax);
    const config c =
        parse(minimal +
                  "compare: {grpc: {prediction_output: probabilities, reduce: value}}\n"
                  "features: {input: pixels}\n",
              "f.yaml");
    EXPECT_EQ(c.compare.grpc.prediction_output, "probabilities");
    EXPECT_EQ(c.compare.grpc.reduce, tensor_reduce::value);
    ASSERT_TRUE(c.features.has_value());
    EXPECT_EQ(c.features->input, "pixels");
}

struct url_case {
    std::string url;
    std::string host;
    std::uint16_t port;
    std::string authority;
};

TEST(ConfigParse, UpstreamUrlParts) {
    const std::vector<url_case> cases{
        {"http://a", "a", 80, "a"},
        {"http://a:80", "a", 80, "a:80"},
        {"HTTP://Model-V2.svc:8080/", "Model-V2.svc", 8080, "Model-V2.svc:8080"},
        {"http://[fe80::1]", "fe80::1", 80, "[fe80::1]"},
        {"http://10.1.2.3:65535", "10.1.2.3", 65535, "10.1.2.3:65535"},
        {"https://a", "a", 443, "a"},
        {"HTTPS://a:8443/v1", "a", 8443, "a:8443"},
    };
    for (const auto& test : cases) {
        SCOPED_TRACE(test.url);
        const config c = parse("production: {url: '" + test.url + "'}", "u.yaml");
        EXPECT_EQ(c.production.url.text, test.url);
        EXPECT_EQ(c.production.url.host, test.host);
        EXPECT_EQ(c.production.url.port, test.port);
        EXPECT_EQ(c.production.url.authority, test.authority);
        EXPECT_EQ(c.production.url.tls, test.url[4] == 's' || test.url[4] == 'S');
    }
}

TEST(ConfigLoadFile, MissingFileSaysWhy) {
    const std::string path = testing::TempDir() + "config_test_does_not_exist.yaml";
    try {
        load_file(path);
        FAIL() << "expected config_error";
    } catch (const config_error& e) {
        ASSERT_EQ(e.problems().size(), 1U);
        EXPECT_EQ(e.problems()[0], path + ": cannot read: No such file or directory");
    }
}

TEST(ConfigLoadFile, SetsSourcePathAndUsesFileNameInProblems) {
    const std::string good = write_temp("config_test_good.yaml", minimal);
    EXPECT_EQ(load_file(good).source_path, good);
    const std::string bad = write_temp("config_test_bad.yaml", minimal + "shadows:\n  - {}\n");
    try {
        load_file(bad);
        FAIL() << "expected config_error";
    } catch (const config_error& e) {
        ASSERT_EQ(e.problems().size(), 1U);
        EXPECT_EQ(e.problems()[0], bad + ": shadows[0].url: is required (http[s]://host[:port])");
    }
}

TEST(ConfigLoadFile, ExampleConfigLoads) {
    const auto path = source_file("config/example.yaml");
    const config c = load_file(path.string());
    EXPECT_EQ(c.production.url.authority, "127.0.0.1:8081");
    ASSERT_EQ(c.shadows.size(), 1U);
    EXPECT_EQ(c.shadows[0].name, "model-v2");
    EXPECT_EQ(c.log.path, "/tmp/shadowproxy/comparisons.jsonl");
}

TEST(ConfigWorkerCount, ZeroMeansOnePerHardwareThread) {
    config c;
    c.threads = 3;
    EXPECT_EQ(c.worker_count(), 3U);
    c.threads = 0;
    EXPECT_EQ(c.worker_count(), std::max(1U, std::thread::hardware_concurrency()));
}

}  // namespace
}  // namespace shadowproxy::config

namespace shadowproxy::config {
namespace {

TEST(ConfigRouting, ReadsHostBasePathRewriteRemoveHeadersDiffValuesAndAdmin) {
    const std::string token = testing_util::write_temp("routing-token", "  tok-en \n");
    const config c = parse(
        "production: {url: 'http://prod:8080/base/', host: prod.internal}\n"
        "shadows:\n"
        "  - url: http://s:9000/v2/models/b\n"
        "    host: 'b.example:8443'\n"
        "    path_rewrite: {from: /predict, to: /infer}\n"
        "    remove_headers: [Authorization, Cookie]\n"
        "log: {diff_values: false}\n"
        "admin: {token_file: '" +
            token + "', protect_reads: true}\n",
        "ok.yaml");
    EXPECT_EQ(c.production.url.authority, "prod:8080");
    EXPECT_EQ(c.production.url.base_path, "/base");
    EXPECT_EQ(c.production.host, "prod.internal");
    const auto& s = c.shadows.at(0);
    EXPECT_EQ(s.url.base_path, "/v2/models/b");
    EXPECT_EQ(s.host, "b.example:8443");
    ASSERT_TRUE(s.rewrite.has_value());
    EXPECT_EQ(s.rewrite->from, "/predict");
    EXPECT_EQ(s.rewrite->to, "/infer");
    EXPECT_EQ(s.remove_headers, (std::vector<std::string>{"authorization", "cookie"}));
    EXPECT_FALSE(c.log.diff_values);
    EXPECT_EQ(c.admin.token, "tok-en");
    EXPECT_TRUE(c.admin.protect_reads);
    EXPECT_EQ(c.admin.address, "127.0.0.1");

    const config defaults =
        parse("production: {url: 'http://p'}\nshadows: [{url: 'http://s'}]\n", "ok.yaml");
    EXPECT_TRUE(defaults.log.diff_values);
    EXPECT_TRUE(defaults.admin.token.empty());
    EXPECT_TRUE(defaults.shadows.at(0).remove_headers.empty());
    EXPECT_FALSE(defaults.shadows.at(0).rewrite.has_value());
    EXPECT_EQ(defaults.production.url.base_path, "");
}

}  // namespace
}  // namespace shadowproxy::config
