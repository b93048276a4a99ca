// Certificates for the TLS tests, made at test time with the OpenSSL API (nothing committed that
// could expire): a CA, certificates it signs for 127.0.0.1/localhost (two, for reloads), one for
// another name, an expired one, client certificates for mutual TLS, and a second CA that signed
// none of them. EC P-256 keys, so making them all takes a few milliseconds.
//
// test_certificates() makes them once per test binary, into a temporary directory, on first use
// (thread-safe); the directory is removed when the process exits. Fails the current test
// (ADD_FAILURE) and returns empty paths when OpenSSL refuses.
#pragma once

#include <string>

namespace shadowproxy::testing {

struct pem_pair {
    std::string cert;  // PEM certificate file
    std::string key;   // PEM private key file
};

struct tls_certificates {
    std::string dir;
    std::string ca;        // the CA certificate (trust anchor) of everything below but `rogue`
    std::string other_ca;  // a CA that signed nothing the servers present
    pem_pair server;       // SAN localhost and 127.0.0.1
    pem_pair server2;      // the same names, another key and serial (a renewed certificate)
    pem_pair wrong_name;   // SAN other.example only
    pem_pair expired;      // SAN localhost and 127.0.0.1, expired yesterday
    pem_pair client;       // a client certificate signed by `ca`
    pem_pair rogue;        // a client certificate signed by `other_ca`
};

const tls_certificates& test_certificates();

}  // namespace shadowproxy::testing
