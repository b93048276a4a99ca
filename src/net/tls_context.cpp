#include "shadowproxy/net/tls_context.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <chrono>
#include <stdexcept>
#include <string_view>

namespace shadowproxy::net {

namespace {

namespace ssl = boost::asio::ssl;

constexpr std::int64_t failure_log_interval_ms = 1000;

// The protocols the listener offers through ALPN, in order of preference, in the wire format
// (length-prefixed): HTTP/2 first, so a client offering both speaks h2 (proxy::h2_session).
constexpr std::array<std::string_view, 2> server_protocols{"\x02h2", "\x08http/1.1"};
constexpr std::string_view client_protocols = "\x08http/1.1";
constexpr std::string_view client_http2_protocols = "\x02h2";

// Picks the first of our protocols the client offers; none in common (or no ALPN) goes on
// without one, which means HTTP/1.1.
int select_protocol(SSL*, const unsigned char** out, unsigned char* out_length,
                    const unsigned char* offered, unsigned int offered_length, void*) {
    for (const std::string_view ours : server_protocols) {
        for (unsigned int i = 0; i < offered_length; i += 1U + offered[i]) {
            const std::string_view theirs(
                reinterpret_cast<const char*>(offered + i),
                std::min<unsigned int>(offered_length - i, 1U + offered[i]));
            if (theirs == ours) {
                *out = offered + i + 1;
                *out_length = offered[i];
                return SSL_TLSEXT_ERR_OK;
            }
        }
    }
    return SSL_TLSEXT_ERR_NOACK;
}

// The options both sides share: TLS 1.2 at least, no renegotiation, no compression.
void harden(ssl::context& context, int min_version) {
    context.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    SSL_CTX_set_options(context.native_handle(), SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_min_proto_version(context.native_handle(), min_version);
}

// Runs one context setting, turning its failure into an error naming the key's file.
template <typename Step>
void load(const std::string& what, const std::string& file, Step step) {
    boost::system::error_code ec;
    step(ec);
    if (ec) {
        throw std::runtime_error("cannot load " + what + " '" + file + "': " + ec.message());
    }
}

bool is_ip_address(const std::string& host) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    return !ec;
}

std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::shared_ptr<ssl::context> make_server_context(const config::listener_tls& tls) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    harden(*context, tls.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION);
    load("certificate", tls.cert_file,
         [&](auto& ec) { context->use_certificate_chain_file(tls.cert_file, ec); });
    load("private key", tls.key_file,
         [&](auto& ec) { context->use_private_key_file(tls.key_file, ssl::context::pem, ec); });
    if (!tls.client_ca_file.empty()) {
        load("client CA", tls.client_ca_file,
             [&](auto& ec) { context->load_verify_file(tls.client_ca_file, ec); });
        context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
        SSL_CTX_set_client_CA_list(context->native_handle(),
                                   SSL_load_client_CA_file(tls.client_ca_file.c_str()));
    }
    // Resumed sessions must carry the context they were verified in.
    static constexpr unsigned char session_context[] = "shadowproxy";
    SSL_CTX_set_session_id_context(context->native_handle(), session_context,
                                   sizeof(session_context) - 1);
    SSL_CTX_set_alpn_select_cb(context->native_handle(), select_protocol, nullptr);
    return context;
}

client_tls::client_tls(const config::upstream_tls& tls, const std::string& url_host, bool http2)
    : context(ssl::context::tls_client),
      name(tls.server_name.empty() ? url_host : tls.server_name),
      verify(!tls.insecure_skip_verify) {
    harden(context, TLS1_2_VERSION);
    if (verify) {
        context.set_verify_mode(ssl::verify_peer);
        if (tls.ca_file.empty()) {
            load("the system's trust store", "default paths",
                 [&](auto& ec) { context.set_default_verify_paths(ec); });
        } else {
            load("CA", tls.ca_file, [&](auto& ec) { context.load_verify_file(tls.ca_file, ec); });
        }
    } else {
        context.set_verify_mode(ssl::verify_none);
    }
    if (!tls.cert_file.empty()) {
        load("client certificate", tls.cert_file,
             [&](auto& ec) { context.use_certificate_chain_file(tls.cert_file, ec); });
        load("client key", tls.key_file,
             [&](auto& ec) { context.use_private_key_file(tls.key_file, ssl::context::pem, ec); });
    }
    const std::string_view offered = http2 ? client_http2_protocols : client_protocols;
    SSL_CTX_set_alpn_protos(context.native_handle(),
                            reinterpret_cast<const unsigned char*>(offered.data()),
                            static_cast<unsigned int>(offered.size()));
}

void client_tls::prepare(SSL* ssl) const {
    const bool ip = is_ip_address(name);
    if (!ip) {
        // SSL_set_tlsext_host_name without its C cast; no SNI for addresses (RFC 6066 §3).
        SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(name.c_str()));
    }
    if (!verify) {
        return;
    }
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (ip) {
        X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    } else {
        X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
    }
}

void client_tls::log_failure(const std::string& upstream, SSL* ssl,
                             const boost::system::error_code& ec) const {
    auto logged_at = logged_at_ms_.load(std::memory_order_relaxed);
    const auto now = steady_ms();
    if (now - logged_at < failure_log_interval_ms ||
        !logged_at_ms_.compare_exchange_strong(logged_at, now)) {
        unlogged_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    spdlog::warn(
        "upstream {}: TLS handshake with {} failed: {} ({} more failures since the last "
        "such line)",
        upstream, name, describe_failure(ssl, ec), unlogged_.exchange(0));
}

std::string describe_failure(SSL* ssl, const boost::system::error_code& ec) {
    if (ssl != nullptr && (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) != 0) {
        if (const long result = SSL_get_verify_result(ssl); result != X509_V_OK) {
            return std::string("certificate verification failed: ") +
                   X509_verify_cert_error_string(result);
        }
    }
    if (ec == ssl::error::stream_truncated) {
        return "the peer closed the connection during the handshake";
    }
    return ec.message();
}

}  // namespace shadowproxy::net
