// libFuzzer target: config::parse on arbitrary YAML text. The contract (config.hpp) is that bad
// input of any kind ends in config_error listing the problems; any other exception, a crash or a
// sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "shadowproxy/config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const auto parsed = shadowproxy::config::parse(text, "fuzz.yaml");
        static_cast<void>(parsed.worker_count());
    } catch (const shadowproxy::config::config_error& error) {
        if (error.problems().empty()) {
            __builtin_trap();  // a rejection must say why
        }
    }
    return 0;
}
