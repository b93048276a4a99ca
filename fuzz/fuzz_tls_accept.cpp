// Fuzzes the listener's TLS server side: the bytes a client sends before and during the
// handshake (ClientHello with its ALPN list, which the listener's own callback parses), and
// records after it, through the server context the proxy builds (net::make_server_context).
// A self-signed certificate is made once, through a temporary directory.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "shadowproxy/net/tls_context.hpp"

namespace {

std::shared_ptr<boost::asio::ssl::context> make_context() {
    std::string dir = "/tmp/fuzz-tls-XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) {
        std::abort();
    }
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600L * 24 * 365);
    X509_set_pubkey(cert, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("fuzz"), -1, -1, 0);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    X509_sign(cert, key, EVP_sha256());
    shadowproxy::config::listener_tls tls;
    tls.cert_file = dir + "/cert.pem";
    tls.key_file = dir + "/key.pem";
    FILE* file = std::fopen(tls.cert_file.c_str(), "w");
    PEM_write_X509(file, cert);
    std::fclose(file);
    file = std::fopen(tls.key_file.c_str(), "w");
    PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(file);
    X509_free(cert);
    EVP_PKEY_free(key);
    auto context = shadowproxy::net::make_server_context(tls);
    std::filesystem::remove_all(dir);  // loaded: the files are no longer needed
    return context;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto context = make_context();
    SSL* ssl = SSL_new(context->native_handle());
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, in, out);
    SSL_set_accept_state(ssl);
    BIO_write(in, data, static_cast<int>(size));
    BIO_set_mem_eof_return(in, -1);
    if (SSL_do_handshake(ssl) == 1) {
        char buffer[4096];
        while (SSL_read(ssl, buffer, sizeof(buffer)) > 0) {
        }
    }
    SSL_free(ssl);
    return 0;
}
