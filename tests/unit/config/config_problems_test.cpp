// Config loading that fails: one case per class of mistake, each checked for the key path the
// user has to fix, plus every-problem-at-once and YAML syntax errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config_test_util.hpp"
#include "shadowproxy/config/config.hpp"

namespace shadowproxy::config {
namespace {

using testing_util::joined;
using testing_util::minimal;
using testing_util::problems_of;
using testing_util::write_temp;

struct bad_case {
    std::string yaml;
    std::string expected;  // must appear in the problems; each starts with "bad.yaml: "
};

TEST(ConfigProblems, EveryMistakeNamesItsKey) {
    const std::string shadow = minimal + "shadows:\n  - name: s\n    url: http://s:1\n";
    const std::string not_json = write_temp("config_test_not_json.json", "{nope");
    const std::string no_features = write_temp("config_test_no_features.json", R"({"rows": 1})");
    const std::vector<bad_case> cases{
        {shadow + "    sample_rte: 1\n",
         "bad.yaml: shadows[0].sample_rte: unknown key, did you mean 'sample_rate'?"},
        {minimal + "shadow: []\n", "bad.yaml: shadow: unknown key, did you mean 'shadows'?"},
        {minimal + "limits: {max_conections: 5}\n",
         "limits.max_conections: unknown key, did you mean 'max_connections'?"},
        {minimal + "foo: 1\n", "bad.yaml: foo: unknown key\n"},
        {"production: {name: p}\n", "bad.yaml: production.url: is required"},
        {"listen: {port: 1}\n", "bad.yaml: production.url: is required"},
        {"production: {url: 'ftp://a'}\n", "production.url: must be an http:// or https://"},
        {"production: {url: 'http://a', tls: {ca_file: /x}}\n",
         "production.tls: needs an https:// url"},
        {"production: {url: 'http://a', protocol: h2}\n",
         "production.protocol: h2 needs an https:// url (use h2c for http://)"},
        {"production: {url: 'https://a', protocol: h2c}\n",
         "production.protocol: h2c needs an http:// url (use h2 for https://)"},
        {"production: {url: 'http://a', protocol: http2}\n",
         "production.protocol: must be http1, h2c or h2, got 'http2'"},
        {minimal + "shadows: [{url: 'http://b', protocol: h2}]\n",
         "shadows[0].protocol: h2 needs an https:// url"},
        {"production: {url: 'https://a', tls: {server_name: 'a:1'}}\n",
         "production.tls.server_name: must be a host name"},
        {"production: {url: 'https://a', tls: {insecure_skip_verify: 1}}\n",
         "production.tls.insecure_skip_verify: must be"},
        {minimal + "listen: {tls: {cert_file: /nonexistent/c}}\n",
         "listen.tls.cert_file: cannot read '/nonexistent/c'"},
        {minimal + "listen: {tls: {cert_file: /nonexistent/c}}\n",
         "listen.tls.key_file: is required"},
        {minimal + "admin: {tls: {min_version: '1.0'}}\n",
         "admin.tls.min_version: must be \"1.2\" or \"1.3\""},
        {"production: {url: 'http://a/p?q=1'}\n", "production.url: must not have a query"},
        {"production: {url: 'http://a/p q'}\n", "production.url: has an invalid base path"},
        {"production: {url: 'http://a', hst: b}\n",
         "production.hst: unknown key, did you mean 'host'?"},
        {"production: {url: 'http://a', host: 'b/c'}\n", "production.host: must be host[:port]"},
        {minimal + "shadows: [{url: 'http://s', path_rewrite: {from: /a}}]\n",
         "shadows[0].path_rewrite.to: is required"},
        {minimal + "shadows: [{url: 'http://s', path_rewrite: {from: a, to: /b}}]\n",
         "shadows[0].path_rewrite.from: must start with '/'"},
        {minimal + "shadows: [{url: 'http://s', path_rewrite: {from: /a, to: /b, x: 1}}]\n",
         "shadows[0].path_rewrite.x: unknown key"},
        {minimal + "shadows: [{url: 'http://s', remove_headers: [Host]}]\n",
         "shadows[0].remove_headers[0]: cannot remove 'host'"},
        {minimal + "log: {diff_values: maybe}\n", "log.diff_values: must be"},
        {minimal + "admin: {token_file: /nonexistent/token}\n",
         "admin.token_file: cannot read '/nonexistent/token'"},
        {minimal + "admin: {protect_reads: true}\n", "admin.protect_reads: needs admin.token_file"},
        {"production: {url: 'http://a:70000'}\n", "production.url: has an invalid port"},
        {"production: {url: 'http://a:'}\n", "production.url: has an invalid port"},
        {"production: {url: 'http://:80'}\n", "production.url: has no host"},
        {"production: {url: 'a:80'}\n",
         "production.url: must be an http:// or https://host[:port] URL"},
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
        {minimal + "compare: {grpc: {reduce: max}}\n",
         "compare.grpc.reduce: must be argmax or value, got 'max'"},
        {minimal + "compare: {grpc: {prediction_output: ''}}\n",
         "compare.grpc.prediction_output: must name an output tensor"},
        {minimal + "compare: {grpc: {output: x}}\n", "compare.grpc.output: unknown key"},
        {minimal + "features: {input: ''}\n", "features.input: must name an input tensor"},
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
        {minimal + "mirror: {max_queue_bytes: 0}\n",
         "mirror.max_queue_bytes: must be at least 1, got 0"},
        {minimal + "mirror: {max_total_bytes: 64MB}\n",
         "mirror.max_total_bytes: must be an integer number of bytes, got 64MB"},
        {minimal + "mirror: {compare_threads: 257}\n",
         "mirror.compare_threads: must be between 0 and 256, got 257"},
        {shadow + "    resolve_interval_ms: 10\n",
         "shadows[0].resolve_interval_ms: must be between 100 and 86400000, got 10"},
        {shadow + "    eject_after_failures: -1\n",
         "shadows[0].eject_after_failures: must be between 0 and 1000000, got -1"},
        {"production: {url: 'http://a', resolve_interval_ms: 0}\n",
         "production.resolve_interval_ms: must be between 100"},
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
        {minimal + "compare: {max_body_bytes: 1.5}\n", "compare.max_body_bytes: must be"},
        {minimal + "compare: {max_body_bytes: -1}\n", "compare.max_body_bytes: must be"},
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
        {minimal + "limits: {max_header_fields: 0}\n",
         "bad.yaml: limits.max_header_fields: must be between 1 and 100000, got 0"},
        {minimal + "limits: {h2_max_concurrent_streams: 0}\n",
         "bad.yaml: limits.h2_max_concurrent_streams: must be between 1 and 1000000, got 0"},
        {minimal + "limits: {allowed_methods: [GET, 'BAD METHOD']}\n",
         "bad.yaml: limits.allowed_methods[1]: is not a valid method name, got 'BAD METHOD'"},
        {minimal + "limits: {allowed_methods: [GET, TRACE]}\n",
         "limits.allowed_methods[1]: TRACE is always refused with 405 and cannot be allowed"},
        {minimal + "limits: {allowed_methods: []}\n",
         "limits.allowed_methods: must list at least one method"},
        {minimal + "limits: {allowed_methods: GET}\n", "limits.allowed_methods: must be a list"},
        {"- production\n", "bad.yaml: the file must hold a map of settings, got a list"},
        {"", "bad.yaml: production.url: is required"},
    };
    for (const auto& test : cases) {
        SCOPED_TRACE(test.yaml);
        const auto problems = problems_of(test.yaml);
        ASSERT_FALSE(problems.empty());
        for (const auto& problem : problems) {
            EXPECT_EQ(problem.rfind("bad.yaml: ", 0), 0U) << problem;
        }
        // Searched in the problems one per line, so an expectation ending in "\n" pins the end.
        EXPECT_NE(joined(problems).find(test.expected), std::string::npos)
            << "expected '" << test.expected << "' in:\n"
            << joined(problems);
    }
}

TEST(ConfigProblems, ReportsEveryProblemAtOnce) {
    const auto problems = problems_of(R"(
listen: {port: -5}
production: {url: 'ftp://x'}
shadows:
  - {name: s, url: 'http://s', sample_rte: 1}
)");
    ASSERT_EQ(problems.size(), 3U) << joined(problems);
    EXPECT_NE(joined(problems).find("listen.port"), std::string::npos);
    EXPECT_NE(joined(problems).find("production.url"), std::string::npos);
    EXPECT_NE(joined(problems).find("shadows[0].sample_rte"), std::string::npos);
    try {
        parse("listen: {port: -5}\nproduction: {url: 'ftp://x'}\n", "two.yaml");
        FAIL() << "expected config_error";
    } catch (const config_error& e) {
        EXPECT_EQ(std::string(e.what()), e.problems()[0] + "\n" + e.problems()[1]);
    }
}

TEST(ConfigProblems, YamlSyntaxErrorNamesLineAndColumn) {
    const auto problems = problems_of(minimal + "shadows: [a, b\nlog: {}\n");
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_EQ(problems[0].rfind("bad.yaml:4:", 0), 0U) << problems[0];
}

}  // namespace
}  // namespace shadowproxy::config
