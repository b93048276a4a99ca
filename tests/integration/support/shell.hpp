// Shell commands for the deployment tests (yamllint, kubectl, dpkg, …): bounded by `timeout`,
// stdout and stderr captured together.
#pragma once

#include <string>

namespace shadowproxy::testing {

struct shell_result {
    int exit_code = -1;  // 124 when the command timed out
    std::string output;  // stdout and stderr together
};

// Single-quotes `text` for sh.
std::string shell_quote(const std::string& text);

shell_result run_shell(const std::string& command, int seconds = 60);

// `name` is on PATH.
bool have_tool(const std::string& name);

}  // namespace shadowproxy::testing
