// Placeholder until the report lands.
#include "app/commands.hpp"

namespace shadowproxy::report {
void add_report_command(CLI::App&, int&) {}
void add_baseline_command(CLI::App&, int&) {}
}  // namespace shadowproxy::report
