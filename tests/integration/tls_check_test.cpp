// `check` on TLS sections (README "TLS"): it reads every certificate, key and CA file a config
// names and says which key's file is missing, unparsable, expired or not the certificate's key.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/proxy_process.hpp"
#include "support/tls_certificates.hpp"

namespace shadowproxy::testing {
namespace {

// Runs `check` on `yaml` written next to the certificates; stdout and stderr together.
command_result check(const std::string& name, const std::string& yaml) {
    const std::string path = test_certificates().dir + "/" + name + ".yaml";
    std::ofstream(path) << yaml;
    auto result = run_binary({"check", "--config", path});
    result.out += result.err;
    return result;
}

std::string listen_tls(const std::string& tls) {
    return "listen: {port: 8443, tls: {" + tls + "}}\nproduction: {url: \"https://model:8443\"}\n";
}

TEST(TlsCheck, AcceptsValidFilesAndHttpsUpstreams) {
    const auto& c = test_certificates();
    const auto result =
        check("valid", "listen: {port: 8443, tls: {cert_file: " + c.server.cert +
                           ", key_file: " + c.server.key + ", client_ca_file: " + c.ca +
                           ", min_version: \"1.3\"}}\nadmin: {tls: {cert_file: " + c.server2.cert +
                           ", key_file: " + c.server2.key +
                           "}}\nproduction:\n  url: https://model\n"
                           "  tls: {ca_file: " +
                           c.ca + ", server_name: model.internal, cert_file: " + c.client.cert +
                           ", key_file: " + c.client.key +
                           "}\nshadows:\n  - {url: \"https://[::1]:8443/v2\", tls: "
                           "{insecure_skip_verify: true}}\n");
    EXPECT_EQ(result.exit_code, 0) << result.out;
}

TEST(TlsCheck, NamesTheWrongFile) {
    const auto& c = test_certificates();
    const std::string garbage = c.dir + "/garbage.pem";
    std::ofstream(garbage) << "not a certificate\n";
    const struct {
        std::string name;
        std::string yaml;
        std::string expected;
    } cases[] = {
        {"missing", listen_tls("cert_file: /nonexistent.crt, key_file: " + c.server.key),
         "listen.tls.cert_file: cannot read '/nonexistent.crt'"},
        {"garbage-cert", listen_tls("cert_file: " + garbage + ", key_file: " + c.server.key),
         "listen.tls.cert_file: '" + garbage + "' holds no PEM certificate"},
        {"garbage-key", listen_tls("cert_file: " + c.server.cert + ", key_file: " + garbage),
         "listen.tls.key_file: '" + garbage + "' holds no PEM private key"},
        {"mismatch", listen_tls("cert_file: " + c.server.cert + ", key_file: " + c.server2.key),
         "listen.tls.key_file: '" + c.server2.key + "' is not the key of the certificate"},
        {"expired", listen_tls("cert_file: " + c.expired.cert + ", key_file: " + c.expired.key),
         "listen.tls.cert_file: the certificate in '" + c.expired.cert + "' has expired"},
        {"no-key", listen_tls("cert_file: " + c.server.cert), "listen.tls.key_file: is required"},
        {"version",
         listen_tls("cert_file: " + c.server.cert + ", key_file: " + c.server.key +
                    ", min_version: \"1.1\""),
         "listen.tls.min_version: must be \"1.2\" or \"1.3\""},
        {"ca", "production: {url: \"https://m\", tls: {ca_file: " + garbage + "}}\n",
         "production.tls.ca_file: '" + garbage + "' holds no PEM certificate"},
        {"plain", "production: {url: \"http://m\", tls: {ca_file: " + c.ca + "}}\n",
         "production.tls: needs an https:// url"},
        {"client-pair",
         "production: {url: \"https://m\", tls: {cert_file: " + c.client.cert + "}}\n",
         "production.tls.key_file: is required"},
    };
    for (const auto& k : cases) {
        const auto result = check(k.name, k.yaml);
        EXPECT_EQ(result.exit_code, 2) << k.name;
        EXPECT_NE(result.out.find(k.expected), std::string::npos) << k.name << ":\n" << result.out;
    }
}

}  // namespace
}  // namespace shadowproxy::testing
