#include "config/tls_files.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

#include "config/text_file.hpp"

namespace shadowproxy::config::detail {
namespace {

struct bio_free {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
struct x509_free {
    void operator()(X509* cert) const { X509_free(cert); }
};
struct key_free {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using bio_ptr = std::unique_ptr<BIO, bio_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;
using key_ptr = std::unique_ptr<EVP_PKEY, key_free>;

// The file's text in a memory BIO, or the reason it cannot be read.
std::string open_pem(const std::string& path, std::string& text, bio_ptr& bio) {
    if (std::string reason = read_text_file(path, text); !reason.empty()) {
        return "cannot read '" + path + "': " + reason;
    }
    bio.reset(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    return bio ? std::string{} : "cannot read '" + path + "': out of memory";
}

x509_ptr first_certificate(BIO* bio) {
    return x509_ptr(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
}

std::size_t count_certificates(BIO* bio) {
    std::size_t count = 0;
    while (first_certificate(bio)) {
        ++count;
    }
    ERR_clear_error();  // the end of the file reads as an error
    return count;
}

}  // namespace

std::string check_certificate_file(const std::string& path) {
    std::string text;
    bio_ptr bio;
    if (std::string reason = open_pem(path, text, bio); !reason.empty()) {
        return reason;
    }
    const x509_ptr cert = first_certificate(bio.get());
    ERR_clear_error();
    if (!cert) {
        return "'" + path + "' holds no PEM certificate";
    }
    if (X509_cmp_current_time(X509_get0_notAfter(cert.get())) < 0) {
        return "the certificate in '" + path + "' has expired";
    }
    return {};
}

std::string check_key_file(const std::string& path) {
    std::string text;
    bio_ptr bio;
    if (std::string reason = open_pem(path, text, bio); !reason.empty()) {
        return reason;
    }
    // An empty passphrase callback: an encrypted key fails instead of prompting on stdin.
    const key_ptr key(PEM_read_bio_PrivateKey(
        bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
    ERR_clear_error();
    return key ? std::string{} : "'" + path + "' holds no PEM private key (or an encrypted one)";
}

std::string check_key_matches(const std::string& cert_path, const std::string& key_path) {
    std::string cert_text;
    std::string key_text;
    bio_ptr cert_bio;
    bio_ptr key_bio;
    if (!open_pem(cert_path, cert_text, cert_bio).empty() ||
        !open_pem(key_path, key_text, key_bio).empty()) {
        return {};  // reported by the file checks
    }
    const x509_ptr cert = first_certificate(cert_bio.get());
    const key_ptr key(PEM_read_bio_PrivateKey(
        key_bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
    ERR_clear_error();
    if (!cert || !key) {
        return {};
    }
    const bool match = X509_check_private_key(cert.get(), key.get()) == 1;
    ERR_clear_error();
    return match ? std::string{}
                 : "'" + key_path + "' is not the key of the certificate in '" + cert_path + "'";
}

std::string check_ca_file(const std::string& path) {
    std::string text;
    bio_ptr bio;
    if (std::string reason = open_pem(path, text, bio); !reason.empty()) {
        return reason;
    }
    return count_certificates(bio.get()) > 0 ? std::string{}
                                             : "'" + path + "' holds no PEM certificate";
}

}  // namespace shadowproxy::config::detail
