// Placeholder until the config loader lands.
#include "shadowproxy/config/config.hpp"

namespace shadowproxy::config {
config_error::config_error(std::vector<std::string> problems)
    : std::runtime_error(problems.empty() ? std::string{} : problems.front()),
      problems_(std::move(problems)) {}
config load_file(const std::string& path) { return parse("", path); }
config parse(const std::string&, const std::string& file_name) {
    throw config_error({file_name + ": not implemented"});
}
unsigned config::worker_count() const { return threads == 0 ? 1 : threads; }
}  // namespace shadowproxy::config
