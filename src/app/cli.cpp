#include "shadowproxy/app/cli.hpp"

#include <iostream>

#include "app/commands.hpp"

namespace shadowproxy::app {

int run_cli(int argc, char** argv) {
    CLI::App app{
        "shadowproxy: an HTTP reverse proxy that mirrors traffic to shadow models and compares "
        "their answers with production's.",
        "shadowproxy"};
    app.set_version_flag("--version", "shadowproxy " SHADOWPROXY_VERSION);
    app.require_subcommand(0, 1);

    int exit_code = 0;
    add_serve_command(app, exit_code);
    add_check_command(app, exit_code);
    add_report_command(app, exit_code);
    add_baseline_command(app, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        // CLI11 returns 0 for --help/--version and its own codes for usage errors: the contract
        // (README) says 2.
        return code == 0 ? 0 : 2;
    }
    if (app.get_subcommands().empty() && app.count("--config") == 0) {
        std::cerr << "shadowproxy: no command given; try 'shadowproxy --help'\n";
        return 2;
    }
    return exit_code;
}

}  // namespace shadowproxy::app
