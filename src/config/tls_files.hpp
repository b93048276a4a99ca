// Checks of the PEM files a TLS section names (certificates, private keys, CA bundles), so that
// `check`, start-up and reloads say which file is wrong before any listener or upstream uses it.
//
// Private to src/config. Stateless; callable from any thread. Each check returns an empty string
// when the file is fine, else the reason (the file is named by the caller's key path).
#pragma once

#include <string>

namespace shadowproxy::config::detail {

// At least one certificate; the first must not have expired.
std::string check_certificate_file(const std::string& path);
// One private key (unencrypted).
std::string check_key_file(const std::string& path);
// The key in key_path belongs to the first certificate in cert_path (both already checked).
std::string check_key_matches(const std::string& cert_path, const std::string& key_path);
// One or more CA certificates.
std::string check_ca_file(const std::string& path);

}  // namespace shadowproxy::config::detail
