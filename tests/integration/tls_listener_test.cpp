// TLS on the listener (README "TLS"): HTTPS clients through the proxy, ALPN, client
// certificates required or missing, a reload to a renewed certificate while a keep-alive TLS
// client keeps working (and a bad one kept out), admin.tls, and garbage before, instead of and
// after a handshake.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <string>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/tls_certificates.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

const std::string reload_ok = R"(shadowproxy_config_reloads_total{result="success"})";
const std::string reload_failed = R"(shadowproxy_config_reloads_total{result="failure"})";
const std::string handshake_failures = "shadowproxy_client_tls_handshake_failures_total";

// listen with TLS (`more` adds keys to listen.tls) in front of a plain production.
std::string config(const fake_upstream& production, const pem_pair& server,
                   const std::string& more = {}) {
    return "listen:\n  address: 127.0.0.1\n  port: 0\n  tls: {cert_file: " + server.cert +
           ", key_file: " + server.key + more + "}\nproduction: {url: \"" + production.url() +
           "\"}\nlimits: {header_timeout_ms: 500}\n";
}

tls_client trusting_ca() {
    return {test_certificates().ca, "localhost", {}, {}};
}

TEST(TlsListener, ServesHttpsWithKeepAliveAndAlpn) {
    const auto& certs = test_certificates();
    fake_upstream production;
    proxy_process proxy{config(production, certs.server)};
    ASSERT_TRUE(proxy.ready());
    const auto tls = trusting_ca();
    http_connection connection{proxy.port(), &tls};
    ASSERT_TRUE(connection.connected()) << connection.error();
    EXPECT_EQ(connection.alpn(), "http/1.1");
    EXPECT_EQ(connection.peer_name(), "server");
    for (int i = 0; i < 3; ++i) {
        const auto response = connection.send("POST", "/predict", R"({"x":1})");
        EXPECT_EQ(response.status, 200U) << response.error;
        EXPECT_EQ(response.body, R"({"prediction":1})");
    }
    EXPECT_TRUE(connection.connected());
    EXPECT_EQ(production.request_count(), 3U);
    EXPECT_EQ(production.requests().front().header("X-Forwarded-Proto"), "https");
    // Plain HTTP on the TLS port gets no answer, and the proxy goes on.
    EXPECT_EQ(first_status(raw_exchange(proxy.port(), "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 2s)),
              0U);
    EXPECT_EQ(https_request(proxy.port(), tls, "GET", "/ok").status, 200U);
}

TEST(TlsListener, ClientCertificateRequiredAndChecked) {
    const auto& certs = test_certificates();
    fake_upstream production;
    proxy_process proxy{config(production, certs.server, ", client_ca_file: " + certs.ca)};
    ASSERT_TRUE(proxy.ready());
    const tls_client with_cert{certs.ca, "localhost", certs.client.cert, certs.client.key};
    EXPECT_EQ(https_request(proxy.port(), with_cert, "GET", "/a").status, 200U);

    // Without a certificate, or with one from another CA, no request gets through (TLS 1.3
    // reports the refusal at the first read, not in the client's handshake).
    const tls_client without = trusting_ca();
    const tls_client rogue{certs.ca, "localhost", certs.rogue.cert, certs.rogue.key};
    for (const auto* client : {&without, &rogue}) {
        const auto response = https_request(proxy.port(), *client, "GET", "/b", {}, 3s);
        EXPECT_EQ(response.status, 0U);
    }
    EXPECT_EQ(production.request_count(), 1U);
    EXPECT_TRUE(wait_until([&] { return proxy.metric(handshake_failures) >= 2; }, 3s,
                           "two failed handshakes counted"));
}

TEST(TlsListener, ReloadSwapsCertificateWhileKeepAliveClientWorks) {
    const auto& certs = test_certificates();
    fake_upstream production;
    proxy_process proxy{config(production, certs.server)};
    ASSERT_TRUE(proxy.ready());
    const auto tls = trusting_ca();
    http_connection kept{proxy.port(), &tls};
    ASSERT_TRUE(kept.connected()) << kept.error();
    ASSERT_EQ(kept.send("GET", "/1").status, 200U);

    proxy.rewrite_config(config(production, certs.server2));
    proxy.signal(SIGHUP);
    ASSERT_TRUE(wait_until([&] { return proxy.metric(reload_ok) == 1; }, 5s, "reload"));
    EXPECT_EQ(kept.send("GET", "/2").status, 200U) << "the open connection keeps working";
    EXPECT_EQ(kept.peer_name(), "server");
    // The workers take the new context as the reload reaches them: new connections get it.
    EXPECT_TRUE(wait_until(
        [&] {
            http_connection renewed{proxy.port(), &tls};
            return renewed.peer_name() == "server2";
        },
        3s, "new connections present the renewed certificate"));

    // A key that does not belong to the certificate: the reload fails, the running one stays.
    proxy.rewrite_config(config(production, {certs.server.cert, certs.server2.key}));
    proxy.signal(SIGHUP);
    ASSERT_TRUE(wait_until([&] { return proxy.metric(reload_failed) == 1; }, 5s, "rejected"));
    http_connection after{proxy.port(), &tls};
    ASSERT_TRUE(after.connected()) << after.error();
    EXPECT_EQ(after.peer_name(), "server2");
    EXPECT_EQ(after.send("GET", "/3").status, 200U);
    EXPECT_EQ(kept.send("GET", "/4").status, 200U);
}

TEST(TlsListener, AdminListenerHasItsOwnTls) {
    const auto& certs = test_certificates();
    fake_upstream production;
    proxy_process proxy{"admin:\n  address: 127.0.0.1\n  port: 0\n  tls: {cert_file: " +
                            certs.server2.cert + ", key_file: " + certs.server2.key +
                            "}\nproduction: {url: \"" + production.url() + "\"}\n",
                        15s, readiness::listening};
    ASSERT_TRUE(proxy.ready());
    const auto tls = trusting_ca();
    ASSERT_TRUE(wait_until(
        [&] {
            return https_request(proxy.admin_port(), tls, "GET", "/readyz", {}, 1s).status == 200;
        },
        5s, "/readyz over TLS"));
    http_connection admin{proxy.admin_port(), &tls};
    EXPECT_EQ(admin.peer_name(), "server2");
    EXPECT_EQ(http_get(proxy.port(), "/plain").status, 200U) << "the client listener is plain";
}

TEST(TlsListener, GarbageAroundTheHandshakeNeitherCrashesNorHangs) {
    const auto& certs = test_certificates();
    fake_upstream production;
    proxy_process proxy{config(production, certs.server)};
    ASSERT_TRUE(proxy.ready());
    const auto tls = trusting_ca();
    // Instead of a handshake: random bytes, and a record header announcing more than comes
    // (cut by header_timeout_ms, 500 ms here).
    std::string noise(300, '\0');
    for (std::size_t i = 0; i < noise.size(); ++i) {
        noise[i] = static_cast<char>((i * 131 + 7) % 256);
    }
    EXPECT_EQ(first_status(raw_exchange(proxy.port(), noise, 3s)), 0U);
    const auto started = std::chrono::steady_clock::now();
    raw_exchange(proxy.port(), std::string("\x16\x03\x01\x40\x00", 5), 3s);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2500ms) << "a stalled handshake is cut";
    // After a handshake: bytes that are no TLS record close the connection.
    http_connection broken{proxy.port(), &tls};
    ASSERT_TRUE(broken.connected()) << broken.error();
    broken.write_raw("GET / HTTP/1.1\r\n\r\n");
    EXPECT_EQ(broken.send("GET", "/x", {}, {}, 3s).status, 0U);
    // Before a handshake: plain bytes then a client hello on the same connection.
    EXPECT_EQ(first_status(raw_exchange(proxy.port(), "\r\n\r\n\x16\x03\x01", 2s)), 0U);
    EXPECT_EQ(https_request(proxy.port(), tls, "GET", "/still").status, 200U);
    EXPECT_TRUE(wait_until([&] { return proxy.metric(handshake_failures) >= 3; }, 3s,
                           "three failed handshakes counted"));
    EXPECT_EQ(production.request_count(), 1U);
}

}  // namespace
}  // namespace shadowproxy::testing
