#include <iostream>

#include "app/commands.hpp"
#include "shadowproxy/app/container_memory.hpp"
#include "shadowproxy/config/config.hpp"

namespace shadowproxy::app {

void add_check_command(CLI::App& app, int& exit_code) {
    auto* check = app.add_subcommand("check", "Validate a config file: prints ok or every problem");
    auto path = std::make_shared<std::string>();
    check->add_option("--config", *path, "YAML config file")->required();
    check->callback([path, &exit_code] {
        try {
            const auto config = config::load_file(*path);
            // Only syntax is checked: upstream names are resolved by `serve`, and may not
            // resolve yet where the config is written.
            if (const auto limit = container_memory_limit()) {
                if (const auto warning = memory_budget_warning(config, *limit); !warning.empty()) {
                    std::cerr << warning << '\n';
                }
            }
            std::cout << "ok\n";
            exit_code = 0;
        } catch (const config::config_error& e) {
            for (const auto& problem : e.problems()) {
                std::cerr << problem << '\n';
            }
            exit_code = 2;
        }
    });
}

}  // namespace shadowproxy::app
