#include "support/binaries.hpp"

#include <cstdlib>
#include <string_view>

namespace shadowproxy::testing {

const std::string& shadowproxy_binary() {
    static const std::string binary = [] {
        const char* named = std::getenv("SHADOWPROXY_UNDER_TEST");
        return std::string(named != nullptr && *named != '\0' ? named : SHADOWPROXY_BINARY);
    }();
    return binary;
}

bool sanitized_binary() {
    static const bool sanitized = [] {
        const char* flag = std::getenv("SHADOWPROXY_SANITIZED");
        return flag != nullptr && std::string_view(flag) == "1";
    }();
    return sanitized;
}

}  // namespace shadowproxy::testing
