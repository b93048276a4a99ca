#include "support/shell.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>

namespace shadowproxy::testing {

std::string shell_quote(const std::string& text) {
    std::string out = "'";
    for (const char c : text) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

shell_result run_shell(const std::string& command, int seconds) {
    const std::string line =
        "timeout " + std::to_string(seconds) + " sh -c " + shell_quote(command) + " 2>&1";
    shell_result result;
    FILE* pipe = popen(line.c_str(), "r");
    if (pipe == nullptr) {
        result.output = "popen failed";
        return result;
    }
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        result.output.append(buffer.data(), n);
    }
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

bool have_tool(const std::string& name) {
    return run_shell("command -v " + shell_quote(name) + " >/dev/null", 10).exit_code == 0;
}

}  // namespace shadowproxy::testing
