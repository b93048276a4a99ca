// Each command of README (Commands) registers itself on the CLI11 app. A command's callback stores
// its exit code in `exit_code`; usage errors are CLI11's and give 2.
#pragma once

#include <CLI/CLI.hpp>

namespace shadowproxy::app {

void add_serve_command(CLI::App& app, int& exit_code);
void add_check_command(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app, int& exit_code);
void add_baseline_command(CLI::App& app, int& exit_code);

}  // namespace shadowproxy::app
