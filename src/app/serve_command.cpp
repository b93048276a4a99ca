#include <iostream>

#include "app/application.hpp"
#include "app/commands.hpp"
#include "shadowproxy/config/config.hpp"

namespace shadowproxy::app {

namespace {

int serve(const std::string& path) {
    try {
        return run_proxy(path);
    } catch (const config::config_error& e) {
        for (const auto& problem : e.problems()) {
            std::cerr << problem << '\n';
        }
    } catch (const std::exception& e) {
        std::cerr << "shadowproxy: " << e.what() << '\n';
    }
    return 2;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
    // `shadowproxy --config FILE` is the same as `shadowproxy serve --config FILE`.
    auto bare_path = std::make_shared<std::string>();
    app.add_option("--config", *bare_path, "YAML config file (runs the proxy)");
    app.final_callback([&app, bare_path, &exit_code] {
        if (app.get_subcommands().empty() && !bare_path->empty()) {
            exit_code = serve(*bare_path);
        }
    });

    auto* command = app.add_subcommand("serve", "Run the proxy");
    auto path = std::make_shared<std::string>();
    command->add_option("--config", *path, "YAML config file")->required();
    command->callback([path, &exit_code] { exit_code = serve(*path); });
}

}  // namespace shadowproxy::app
