// TLS to upstreams (README "TLS"): https:// production and shadow verified against a CA file
// with SNI, session resumption on new connections, client certificates (mTLS), and every way a
// handshake fails — unknown CA, hostname mismatch, expired certificate, a missing client
// certificate — as 502 "production TLS handshake failed" / shadow_error with tls_failed, the
// reason in the operational log; bodies of many records both ways over TLS end to end.
#include <gtest/gtest.h>

#include <string>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/tls_certificates.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

const std::string production_tls_failed =
    R"(shadowproxy_upstream_errors_total{upstream="model-v1",error="tls_failed"})";

fake_tls serving(const pem_pair& cert, const std::string& client_ca = {}) {
    return {cert.cert, cert.key, client_ca};
}

// `tls` is the text inside production's tls: {...}.
std::string config(const fake_upstream& production, const std::string& tls,
                   const std::string& shadows = {}) {
    return "production:\n  name: model-v1\n  url: \"" + production.url() + "\"\n  tls: {" + tls +
           "}\n" + shadows;
}

std::string shadow(const fake_upstream& upstream, const std::string& tls) {
    return "shadows:\n  - name: model-v2\n    url: \"" + upstream.url() + "\"\n    tls: {" + tls +
           "}\n";
}

std::string trust(const std::string& ca) {
    return "ca_file: " + ca;
}

TEST(TlsUpstream, ProductionAndShadowOverTlsWithSni) {
    const auto& certs = test_certificates();
    fake_upstream production{{}, serving(certs.server)};
    fake_upstream mirror{{}, serving(certs.server)};
    // Production is reached at 127.0.0.1 but verified (and asked via SNI) as localhost; the
    // shadow is verified by its IP address (no SNI for addresses).
    proxy_process proxy{config(production, trust(certs.ca) + ", server_name: localhost",
                               shadow(mirror, trust(certs.ca)))};
    ASSERT_TRUE(proxy.ready());
    for (int i = 0; i < 3; ++i) {
        const auto response = http_request(proxy.port(), "POST", "/predict", R"({"x":1})");
        EXPECT_EQ(response.status, 200U) << response.body;
    }
    EXPECT_EQ(production.server_name(), "localhost");
    EXPECT_EQ(mirror.server_name(), "");
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 3; }, 5s, "three records"));
    for (const auto& record : proxy.records()) {
        EXPECT_EQ(record["outcome"], "match") << record.dump();
    }
    EXPECT_EQ(mirror.request_count(), 3U);
    EXPECT_EQ(production.handshakes(), production.connections()) << "pooled: one per connection";
}

TEST(TlsUpstream, NewConnectionsResumeTheSession) {
    const auto& certs = test_certificates();
    fake_upstream production{{}, serving(certs.server)};
    proxy_process proxy{"threads: 1\n" + config(production, trust(certs.ca)) +
                        "  max_idle_connections: 0\n"};
    ASSERT_TRUE(proxy.ready());
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(http_get(proxy.port(), "/r").status, 200U);
    }
    EXPECT_EQ(production.handshakes(), 4U);
    EXPECT_GE(production.resumed_handshakes(), 2U);
}

TEST(TlsUpstream, ClientCertificateForMutualTls) {
    const auto& certs = test_certificates();
    fake_upstream production{{}, serving(certs.server, certs.ca)};
    fake_upstream mirror{{}, serving(certs.server, certs.ca)};
    // Production presents the client certificate; the shadow has none and is refused.
    proxy_process proxy{config(
        production,
        trust(certs.ca) + ", cert_file: " + certs.client.cert + ", key_file: " + certs.client.key,
        shadow(mirror, trust(certs.ca)))};
    ASSERT_TRUE(proxy.ready());
    EXPECT_EQ(http_request(proxy.port(), "POST", "/predict", "{}").status, 200U);
    EXPECT_EQ(production.request_count(), 1U);
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 1; }, 5s, "one record"));
    const auto record = proxy.records().front();
    EXPECT_EQ(record["outcome"], "shadow_error") << record.dump();
    EXPECT_EQ(record["shadow"]["error"], "tls_failed") << record.dump();
    EXPECT_EQ(mirror.request_count(), 0U);
}

struct failure_case {
    std::string name;
    const pem_pair* served;
    std::string trusted_ca;
    std::string logged;  // part of the operational log line
};

TEST(TlsUpstream, FailedVerificationIsTlsFailedWith502) {
    const auto& certs = test_certificates();
    const std::vector<failure_case> cases{
        {"unknown CA", &certs.server, certs.other_ca, "unable to get local issuer certificate"},
        {"hostname mismatch", &certs.wrong_name, certs.ca, "hostname mismatch"},
        {"expired", &certs.expired, certs.ca, "certificate has expired"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        fake_upstream production{{}, serving(*c.served)};
        fake_upstream mirror{{}, serving(*c.served)};
        // Verified as localhost (the certificates' DNS name): a mismatch is a hostname mismatch.
        const std::string tls = trust(c.trusted_ca) + ", server_name: localhost";
        proxy_process proxy{config(production, tls, shadow(mirror, tls))};
        ASSERT_TRUE(proxy.ready());
        for (int i = 0; i < 2; ++i) {
            const auto response = http_request(proxy.port(), "POST", "/predict", "{}");
            EXPECT_EQ(response.status, 502U);
            EXPECT_NE(response.body.find(R"("error":"production TLS handshake failed")"),
                      std::string::npos)
                << response.body;
        }
        EXPECT_EQ(production.request_count(), 0U);
        EXPECT_EQ(proxy.metric(production_tls_failed), 2);
        ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 2; }, 5s, "two records"));
        const auto record = proxy.records().front();
        EXPECT_EQ(record["production"]["error"], "tls_failed") << record.dump();
        EXPECT_EQ(record["shadow"]["error"], "tls_failed") << record.dump();
        // Logged with the reason, at most once a second per upstream.
        const auto log = proxy.stderr_text();
        EXPECT_NE(log.find("upstream model-v1: TLS handshake"), std::string::npos) << log;
        EXPECT_NE(log.find(c.logged), std::string::npos) << log;
        std::size_t lines = 0;
        for (auto at = log.find("upstream model-v1: TLS"); at != std::string::npos;
             at = log.find("upstream model-v1: TLS", at + 1)) {
            ++lines;
        }
        EXPECT_EQ(lines, 1U) << log;
    }
}

TEST(TlsUpstream, InsecureSkipVerifyAcceptsAnyCertificate) {
    const auto& certs = test_certificates();
    fake_upstream production{{}, serving(certs.expired)};
    proxy_process proxy{config(production, "insecure_skip_verify: true")};
    ASSERT_TRUE(proxy.ready());
    EXPECT_EQ(http_get(proxy.port(), "/any").status, 200U);
}

// Bodies bigger than the sockets' buffers over TLS on every hop: records split across reads,
// writes the socket takes only in part (the rest sent asynchronously), a head gathered with
// the start of its body, on a keep-alive client connection and a pooled upstream one.
TEST(TlsUpstream, LargeBodiesBothWaysOverTlsEndToEnd) {
    const auto& certs = test_certificates();
    std::string answer(3 * 1024 * 1024 + 7, '\0');
    std::string upload(1024 * 1024 - 5, '\0');
    for (std::size_t i = 0; i < answer.size(); ++i) {
        answer[i] = static_cast<char>('a' + i % 23);
    }
    for (std::size_t i = 0; i < upload.size(); ++i) {
        upload[i] = static_cast<char>('A' + i % 19);
    }
    fake_upstream production{[&](const received_request&) {
                                 reply r;
                                 r.body = answer;
                                 return r;
                             },
                             serving(certs.server)};
    proxy_process proxy{"listen:\n  address: 127.0.0.1\n  port: 0\n  tls: {cert_file: " +
                        certs.server.cert + ", key_file: " + certs.server.key + "}\n" +
                        config(production, trust(certs.ca) + ", server_name: localhost")};
    ASSERT_TRUE(proxy.ready());
    const tls_client client{certs.ca, "localhost", {}, {}};
    http_connection connection{proxy.port(), &client};
    ASSERT_TRUE(connection.connected()) << connection.error();
    for (int i = 0; i < 2; ++i) {
        const auto response = connection.send("POST", "/predict", upload, {}, 30s);
        EXPECT_EQ(response.status, 200U) << response.error;
        EXPECT_EQ(response.body.size(), answer.size());
        EXPECT_TRUE(response.body == answer) << "the answer arrived altered";
    }
    const auto requests = production.requests();
    ASSERT_EQ(requests.size(), 2U);
    for (const auto& request : requests) {
        EXPECT_EQ(request.body.size(), upload.size());
        EXPECT_TRUE(request.body == upload) << "the upload arrived altered";
    }
    EXPECT_EQ(production.connections(), 1U) << "the upstream connection was pooled";
}

}  // namespace
}  // namespace shadowproxy::testing
