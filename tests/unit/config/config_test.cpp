// Config loading: defaults, a full valid file, and one case per class of mistake, each checked
// for the key path the user has to fix.
#include "shadowproxy/config/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace shadowproxy::config {
namespace {

const std::string minimal = "production:\n  url: http://127.0.0.1:8081\n";

// The problems parse() reports for `yaml`, empty when it loads.
std::vector<std::string> problems_of(const std::string& yaml) {
    try {
        parse(yaml, "bad.yaml");
    } catch (const config_error& e) {
        return e.problems();
    }
    return {};
}

std::string joined(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) {
        text += line + "\n";
    }
    return text;
}

std::string write_temp(const std::string& name, const std::string& text) {
    const std::string path = testing::TempDir() + name;
    std::ofstream(path) << text;
    return path;
}

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
    EXPECT_EQ(c.mirror.shadow_header_name, "X-Shadow-Request");
    EXPECT_EQ(c.mirror.shadow_header_value, "true");
    EXPECT_EQ(c.compare.prediction_pointer, "/prediction");
    EXPECT_EQ(c.compare.ignore_pointers,
              (std::vector<std::string>{"/model_version", "/latency_ms"}));
    EXPECT_EQ(c.compare.max_diffs, 20U);
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
  - url: http://10.0.0.3:9000
    sample_rate: 1
mirror:
  queue_capacity: 5
  max_body_bytes: 0
  shadow_header: { name: X-Mirror, value: "yes" }
compare:
  prediction_pointer: ""
  ignore_pointers: [/a~1b, /c~0d/0]
  float_abs_tolerance: 1e-6
  float_rel_tolerance: 0.01
  max_diffs: 0
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
    EXPECT_EQ(c.shadows[1].name, "shadow1");
    EXPECT_EQ(c.shadows[1].key.from, sample_key::source::request_id);
    EXPECT_EQ(c.shadows[1].match.methods, (std::vector<std::string>{"GET", "HEAD", "POST"}));

    EXPECT_EQ(c.mirror.queue_capacity, 5U);
    EXPECT_EQ(c.mirror.max_body_bytes, 0U);
    EXPECT_EQ(c.mirror.shadow_header_name, "X-Mirror");
    EXPECT_EQ(c.mirror.shadow_header_value, "yes");
    EXPECT_EQ(c.compare.prediction_pointer, "");
    EXPECT_EQ(c.compare.ignore_pointers, (std::vector<std::string>{"/a~1b", "/c~0d/0"}));
    EXPECT_DOUBLE_EQ(c.compare.float_abs_tolerance, 1e-6);
    EXPECT_DOUBLE_EQ(c.compare.float_rel_tolerance, 0.01);
    EXPECT_EQ(c.compare.max_diffs, 0U);
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
    };
    for (const auto& test : cases) {
        SCOPED_TRACE(test.url);
        const config c = parse("production: {url: '" + test.url + "'}", "u.yaml");
        EXPECT_EQ(c.production.url.text, test.url);
        EXPECT_EQ(c.production.url.host, test.host);
        EXPECT_EQ(c.production.url.port, test.port);
        EXPECT_EQ(c.production.url.authority, test.authority);
    }
}

struct bad_case {
    std::string yaml;
    std::string expected;  // must appear in one problem, which must start with "bad.yaml: "
};

TEST(ConfigParse, EveryMistakeNamesItsKey) {
    const std::string shadow = minimal + "shadows:\n  - name: s\n    url: http://s:1\n";
    const std::string not_json = write_temp("config_test_not_json.json", "{nope");
    const std::string no_features = write_temp("config_test_no_features.json", R"({"rows": 1})");
    const std::vector<bad_case> cases{
        {shadow + "    sample_rte: 1\n",
         "bad.yaml: shadows[0].sample_rte: unknown key, did you mean 'sample_rate'?"},
        {minimal + "shadow: []\n", "bad.yaml: shadow: unknown key, did you mean 'shadows'?"},
        {minimal + "limits: {max_conections: 5}\n", "limits.max_conections: unknown key"},
        {"production: {name: p}\n", "bad.yaml: production.url: is required"},
        {"listen: {port: 1}\n", "bad.yaml: production.url: is required"},
        {"production: {url: 'https://a'}\n", "production.url: must be an http:// URL"},
        {"production: {url: 'http://a/predict'}\n", "production.url: must not have a path"},
        {"production: {url: 'http://a:70000'}\n", "production.url: has an invalid port"},
        {"production: {url: 'http://a:'}\n", "production.url: has an invalid port"},
        {"production: {url: 'http://:80'}\n", "production.url: has no host"},
        {"production: {url: 'a:80'}\n", "production.url: must be an http://host[:port] URL"},
        {"production: {url: 'http://u@a'}\n", "production.url: must not contain user"},
        {"production: {url: [1]}\n", "production.url: must be a string, got a list"},
        {minimal + "listen: {port: 70000}\n",
         "bad.yaml: listen.port: must be between 0 and 65535, got 70000"},
        {minimal + "listen: {port: abc}\n", "listen.port: must be an integer, got abc"},
        {minimal + "listen: {port: \"8080\"}\n", "listen.port: must be an integer, got \"8080\""},
        {minimal + "admin: {address: '1.2.3.4:80'}\n", "admin.address: must be an IP address"},
        {minimal + "threads: 2000\n", "threads: must be between 0 and 1024, got 2000"},
        {minimal + "threads: -1\n", "threads: must be between 0 and 1024, got -1"},
        {shadow + "  - name: s\n    url: http://t:2\n",
         "bad.yaml: shadows[1].name: duplicate name 's' (also shadows[0])"},
        {minimal + "production: {name: s}\n", "production: duplicate key"},
        {minimal + "shadows:\n  - {name: production, url: 'http://a'}\n",
         "shadows[0].name: 'production' is already production.name"},
        {minimal + "shadows:\n  - {name: 'model v2', url: 'http://a'}\n",
         "shadows[0].name: must be non-empty"},
        {"production: {name: '', url: 'http://a'}\n", "production.name: must be non-empty"},
        {minimal + "limits: {max_body_bytes: 10MB}\n",
         "limits.max_body_bytes: must be an integer number of bytes, got 10MB"},
        {minimal + "limits: {header_timeout_ms: 0}\n",
         "limits.header_timeout_ms: must be between 1 and 86400000, got 0"},
        {shadow + "    sample_rate: 1.5\n",
         "bad.yaml: shadows[0].sample_rate: must be between 0 and 1, got 1.5"},
        {shadow + "    sample_rate: half\n", "shadows[0].sample_rate: must be a number, got half"},
        {shadow + "    timeout_ms: 1.5\n",
         "shadows[0].timeout_ms: must be an integer number of milliseconds, got 1.5"},
        {shadow + "    max_in_flight: 0\n",
         "shadows[0].max_in_flight: must be between 1 and 1000000, got 0"},
        {minimal + "shadows:\n  - name: s\n", "bad.yaml: shadows[0].url: is required"},
        {minimal + "shadows: {a: 1}\n", "bad.yaml: shadows: must be a list of shadows, got a map"},
        {minimal + "shadows: [5]\n", "shadows[0]: must be a map, got 5"},
        {shadow + "    sample_key: cookie\n",
         "shadows[0].sample_key: must be request_id or header:NAME"},
        {shadow + "    sample_key: 'header:bad name'\n", "shadows[0].sample_key: must be"},
        {shadow + "    match: {methods: ['GE T']}\n",
         "shadows[0].match.methods[0]: is not an HTTP method"},
        {shadow + "    match: {methods: []}\n", "shadows[0].match.methods: must list at least"},
        {shadow + "    match: {methods: POST}\n", "shadows[0].match.methods: must be a list"},
        {shadow + "    match: {path_prefixes: [/a, predict]}\n",
         "shadows[0].match.path_prefixes[1]: must start with '/'"},
        {shadow + "    match: {path: /a}\n", "shadows[0].match.path: unknown key"},
        {shadow + "    set_headers: {'Bad Header': x}\n",
         "shadows[0].set_headers: is not a valid header name, got 'Bad Header'"},
        {shadow + "    set_headers: {X-A: \"a\\r\\nX-B: b\"}\n",
         "shadows[0].set_headers.X-A: must not contain line breaks"},
        {shadow + "    set_headers: {Host: a}\n",
         "shadows[0].set_headers.Host: is set by the proxy"},
        {shadow + "    set_headers: {X-A: a, x-a: b}\n",
         "shadows[0].set_headers.x-a: duplicate header"},
        {shadow + "    set_headers: [a]\n", "shadows[0].set_headers: must be a map"},
        {minimal + "mirror: [1, 2]\n", "bad.yaml: mirror: must be a map, got a list"},
        {minimal + "mirror: {queue_capacity: 0}\n", "mirror.queue_capacity: must be between 1"},
        {minimal + "mirror: {shadow_header: {name: ''}}\n",
         "mirror.shadow_header.name: is not a valid header name"},
        {minimal + "mirror: {shadow_header: {nme: X}}\n",
         "mirror.shadow_header.nme: unknown key, did you mean 'name'?"},
        {minimal + "compare: {prediction_pointer: prediction}\n",
         "compare.prediction_pointer: must be a JSON pointer"},
        {minimal + "compare: {ignore_pointers: [/a, /b~2]}\n",
         "compare.ignore_pointers[1]: must be a JSON pointer"},
        {minimal + "compare: {float_abs_tolerance: -1}\n",
         "compare.float_abs_tolerance: must be at least 0, got -1"},
        {minimal + "compare: {float_rel_tolerance: .nan}\n",
         "compare.float_rel_tolerance: must be a number"},
        {minimal + "compare: {max_diffs: -1}\n", "compare.max_diffs: must be between 0"},
        {minimal + "log: {level: verbose}\n", "log.level: must be one of trace, debug"},
        {minimal + "log: {path: ''}\n", "log.path: must not be empty"},
        {minimal + "log: {max_files: 0}\n", "log.max_files: must be between 1"},
        {minimal + "log: {max_file_bytes: 100}\n", "log.max_file_bytes: must be at least 1024"},
        {minimal + "log: {include_bodies: 'yes please'}\n",
         "log.include_bodies: must be true or false"},
        {minimal + "log: {redact_headers: [cookie, 'a b']}\n",
         "log.redact_headers[1]: is not a valid header name"},
        {minimal + "features: {pointer: x}\n", "features.pointer: must be a JSON pointer"},
        {minimal + "features: {names: [a, b, a]}\n", "features.names[2]: duplicate name 'a'"},
        {minimal + "features: {baseline: /nonexistent/baseline.json}\n",
         "features.baseline: cannot read '/nonexistent/baseline.json': No such file"},
        {minimal + "features: {baseline: " + not_json + "}\n",
         "features.baseline: '" + not_json + "' is not valid JSON"},
        {minimal + "features: {baseline: " + no_features + "}\n",
         "features.baseline: '" + no_features + "' has no \"features\" object"},
        {minimal + "promotion: {min_agreement: 2}\n",
         "promotion.min_agreement: must be between 0 and 1, got 2"},
        {minimal + "promotion: {max_shadow_error_rate: -0.1}\n",
         "promotion.max_shadow_error_rate: must be between 0 and 1"},
        {minimal + "promotion: {max_shadow_p95_ms: 2.5}\n",
         "promotion.max_shadow_p95_ms: must be an integer number of milliseconds"},
        {"- production\n", "bad.yaml: the file must hold a map of settings, got a list"},
        {"", "bad.yaml: production.url: is required"},
    };
    for (const auto& test : cases) {
        SCOPED_TRACE(test.yaml);
        const auto problems = problems_of(test.yaml);
        ASSERT_FALSE(problems.empty());
        bool found = false;
        for (const auto& problem : problems) {
            EXPECT_EQ(problem.rfind("bad.yaml: ", 0), 0U) << problem;
            found = found || problem.find(test.expected) != std::string::npos;
        }
        EXPECT_TRUE(found) << "expected '" << test.expected << "' in:\n" << joined(problems);
    }
}

TEST(ConfigParse, ReportsEveryProblemAtOnce) {
    const auto problems = problems_of(R"(
listen: {port: -5}
production: {url: 'https://x'}
shadows:
  - {name: s, url: 'http://s', sample_rte: 1}
)");
    ASSERT_EQ(problems.size(), 3U) << joined(problems);
    EXPECT_NE(joined(problems).find("listen.port"), std::string::npos);
    EXPECT_NE(joined(problems).find("production.url"), std::string::npos);
    EXPECT_NE(joined(problems).find("shadows[0].sample_rte"), std::string::npos);
    try {
        parse("listen: {port: -5}\nproduction: {url: 'https://x'}\n", "two.yaml");
        FAIL() << "expected config_error";
    } catch (const config_error& e) {
        EXPECT_EQ(std::string(e.what()), e.problems()[0] + "\n" + e.problems()[1]);
    }
}

TEST(ConfigParse, YamlSyntaxErrorNamesLineAndColumn) {
    const auto problems = problems_of(minimal + "shadows: [a, b\nlog: {}\n");
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_EQ(problems[0].rfind("bad.yaml:4:", 0), 0U) << problems[0];
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
        EXPECT_EQ(e.problems()[0], bad + ": shadows[0].url: is required (http://host[:port])");
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
