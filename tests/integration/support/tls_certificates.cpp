#include "support/tls_certificates.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace shadowproxy::testing {
namespace {

constexpr long one_day = 24L * 60 * 60;

struct key_free {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct x509_free {
    void operator()(X509* cert) const { X509_free(cert); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, key_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;

struct issued {
    key_ptr key;
    x509_ptr cert;
};

void check(bool ok, const char* what) {
    if (!ok) {
        throw std::runtime_error(what);
    }
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    check(extension != nullptr, "X509V3_EXT_conf_nid");
    X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
}

// A certificate for `name` valid from `from` to `to` seconds from now, signed by `issuer` (null:
// self-signed). `names` is a subjectAltName value; empty for a CA.
issued make(const char* name, const char* names, const issued* issuer, long from, long to,
            long serial) {
    issued out{key_ptr(EVP_EC_gen("P-256")), x509_ptr(X509_new())};
    check(out.key && out.cert, "EVP_EC_gen");
    X509* cert = out.cert.get();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert), from);
    X509_gmtime_adj(X509_getm_notAfter(cert), to);
    X509_set_pubkey(cert, out.key.get());
    X509_NAME* subject = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(name), -1, -1, 0);
    X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert;
    X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
    add_extension(cert, issuer_cert, NID_subject_key_identifier, "hash");
    if (issuer == nullptr) {
        add_extension(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(cert, issuer_cert, NID_authority_key_identifier, "keyid");
        add_extension(cert, issuer_cert, NID_basic_constraints, "CA:FALSE");
        add_extension(cert, issuer_cert, NID_ext_key_usage, "serverAuth,clientAuth");
        add_extension(cert, issuer_cert, NID_subject_alt_name, names);
    }
    EVP_PKEY* signer = issuer != nullptr ? issuer->key.get() : out.key.get();
    check(X509_sign(cert, signer, EVP_sha256()) > 0, "X509_sign");
    return out;
}

void write_cert(const std::string& path, X509* cert) {
    FILE* file = std::fopen(path.c_str(), "w");
    check(file != nullptr, "fopen");
    const bool ok = PEM_write_X509(file, cert) == 1;
    std::fclose(file);
    check(ok, "PEM_write_X509");
}

pem_pair write(const std::string& dir, const std::string& stem, const issued& it) {
    pem_pair out{dir + "/" + stem + ".crt", dir + "/" + stem + ".key"};
    write_cert(out.cert, it.cert.get());
    FILE* file = std::fopen(out.key.c_str(), "w");
    check(file != nullptr, "fopen");
    const bool ok =
        PEM_write_PrivateKey(file, it.key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
    std::fclose(file);
    check(ok, "PEM_write_PrivateKey");
    return out;
}

tls_certificates make_all() {
    tls_certificates out;
    std::string pattern = "/tmp/shadowproxy-tls-XXXXXX";
    check(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
    out.dir = pattern;
    const char* local = "DNS:localhost,IP:127.0.0.1";
    const issued ca = make("shadowproxy test CA", "", nullptr, -one_day, 30 * one_day, 1);
    const issued other = make("another test CA", "", nullptr, -one_day, 30 * one_day, 2);
    out.ca = write(out.dir, "ca", ca).cert;
    out.other_ca = write(out.dir, "other-ca", other).cert;
    out.server = write(out.dir, "server", make("server", local, &ca, -one_day, one_day, 10));
    out.server2 = write(out.dir, "server2", make("server2", local, &ca, -one_day, one_day, 11));
    out.wrong_name = write(out.dir, "wrong-name",
                           make("other", "DNS:other.example", &ca, -one_day, one_day, 12));
    out.expired =
        write(out.dir, "expired", make("expired", local, &ca, -2 * one_day, -one_day, 13));
    out.client = write(out.dir, "client", make("client", "DNS:client", &ca, -one_day, one_day, 14));
    out.rogue = write(out.dir, "rogue", make("rogue", "DNS:rogue", &other, -one_day, one_day, 15));
    return out;
}

}  // namespace

const tls_certificates& test_certificates() {
    // Removes the directory when the test binary exits.
    struct holder {
        tls_certificates files;
        ~holder() {
            if (!files.dir.empty()) {
                std::error_code ignored;
                std::filesystem::remove_all(files.dir, ignored);
            }
        }
    };
    static const holder made{[] {
        try {
            return make_all();
        } catch (const std::exception& e) {
            ADD_FAILURE() << "making test certificates failed: " << e.what();
            return tls_certificates{};
        }
    }()};
    return made.files;
}

}  // namespace shadowproxy::testing
