#include "app/commands.hpp"

namespace shadowproxy::app {
void add_serve_command(CLI::App& app, int&) { app.add_subcommand("serve", "Run the proxy"); }
}  // namespace shadowproxy::app
