// Wires the running proxy together: config, record sink, metrics, mirror, workers, admin
// listener, and the signals of docs/operations.md. Built and run once by `serve`.
//
// run() blocks on the main thread, which handles signals, reloads and the admin listener; it
// returns the exit code. Start-up problems (invalid config, unresolvable upstream, a port that
// cannot be bound) throw std::runtime_error or config::config_error, caught by `serve` (exit 2).
#pragma once

#include <string>

namespace shadowproxy::app {

int run_proxy(const std::string& config_path);

}  // namespace shadowproxy::app
