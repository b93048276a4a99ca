// llm_server: a small deterministic OpenAI-compatible server for the shadowproxy LLM demo and
// tests (no weights: a bigram generator over a corpus it builds itself).
//
// Usage: llm_server --version v1|v2 --port N [--address A] [--token-delay-ms N] [--threads N]
//                   [--tool-bug-rate R]
// Exit codes: 0 after SIGINT/SIGTERM, 2 on bad usage or an unbindable port.
#include <boost/system/system_error.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "common/serve.hpp"
#include "llm_server/server.hpp"

namespace {

using shadowproxy::examples::parse_number;

constexpr std::string_view usage =
    "usage: llm_server --version v1|v2 --port N [--address 127.0.0.1] [--token-delay-ms 20]\n"
    "                  [--threads 2] [--tool-bug-rate 0.4]\n"
    "Serves POST /v1/chat/completions and /v1/completions (\"stream\": true for SSE), GET "
    "/healthz.\n";

}  // namespace

int main(int argc, char** argv) {
    namespace llm = shadowproxy::examples::llm;
    llm::server_options options;
    std::string version;
    double bug_rate = 0.4;
    bool have_port = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::cout << usage;
            return 0;
        }
        if (i + 1 >= argc) {
            std::cerr << "llm_server: " << flag << " needs a value\n" << usage;
            return 2;
        }
        const std::string_view value = argv[++i];
        bool ok = true;
        if (flag == "--version") {
            version = value;
            ok = version == "v1" || version == "v2";
        } else if (flag == "--address") {
            options.address = value;
        } else if (flag == "--port") {
            const auto port = parse_number<std::uint16_t>(value);
            ok = port.has_value();
            options.port = port.value_or(0);
            have_port = ok;
        } else if (flag == "--token-delay-ms") {
            const auto ms = parse_number<unsigned>(value);
            ok = ms.has_value();
            options.token_delay = std::chrono::milliseconds(ms.value_or(0));
        } else if (flag == "--threads") {
            const auto threads = parse_number<unsigned>(value);
            ok = threads.has_value() && *threads > 0;
            options.threads = threads.value_or(1);
        } else if (flag == "--tool-bug-rate") {
            const auto rate = parse_number<double>(value);
            ok = rate.has_value() && *rate >= 0 && *rate <= 1;
            bug_rate = rate.value_or(0);
        } else {
            ok = false;
        }
        if (!ok) {
            std::cerr << "llm_server: bad " << flag << " '" << value << "'\n" << usage;
            return 2;
        }
    }
    if (version.empty() || !have_port) {
        std::cerr << "llm_server: --version and --port are required\n" << usage;
        return 2;
    }
    try {
        const llm::generator model(version, bug_rate);
        llm::run(model, options);
    } catch (const boost::system::system_error& e) {
        std::cerr << "llm_server: cannot listen on " << options.address << ':' << options.port
                  << ": " << e.what() << '\n';
        return 2;
    }
    return 0;
}
