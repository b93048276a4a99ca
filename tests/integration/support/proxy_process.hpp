// The real shadowproxy binary as a child process for integration tests: writes its config,
// starts it on port 0 for both listeners (the kernel picks ports no other process holds, so
// tests running in parallel never meet), learns the ports from its start line, waits (bounded)
// until /readyz answers, and stops it by PID. The config text may use ${LOG} for the comparison
// log path, ${DIR} for its directory and ${ADMIN_PORT} (0) for an admin section of its own;
// listen, admin and a log section are added when the text does not set them. A config that
// sets listen itself must keep log.level at info or below: the start line names the ports.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/free_port.hpp"

namespace shadowproxy::testing {

// Starts args[0] with stdin, stdout and stderr redirected to the given files (stdout and stderr
// truncated); its pid, or -1 when it could not be started. The caller reaps it.
pid_t spawn(const std::vector<std::string>& args, const std::string& out_path,
            const std::string& err_path, const std::string& in_path);

// What the constructor waits for: /readyz 200, or any answer from /readyz (for tests of a
// proxy that runs but is not ready, e.g. while production's name does not resolve), or only the
// start line (an admin listener speaking TLS: the test asks /readyz itself).
enum class readiness { ready, admin_answers, listening };

class proxy_process {
public:
    // Starts the proxy with `yaml` (see above). Fails the current test (ADD_FAILURE) when it
    // does not reach `until` within `ready_timeout`.
    explicit proxy_process(const std::string& yaml,
                           std::chrono::milliseconds ready_timeout = std::chrono::seconds(15),
                           readiness until = readiness::ready);
    ~proxy_process();  // SIGKILL if still running; removes its temp dir
    proxy_process(const proxy_process&) = delete;
    proxy_process& operator=(const proxy_process&) = delete;

    bool ready() const { return ready_; }
    unsigned short port() const { return port_; }
    unsigned short admin_port() const { return admin_port_; }
    pid_t pid() const { return pid_; }
    const std::string& dir() const { return dir_; }
    const std::string& config_path() const { return config_path_; }
    const std::string& log_path() const { return log_path_; }
    std::string stderr_text() const;

    void signal(int signo) const;
    // Waits for the exit; the exit code, or nullopt on timeout (then the process still runs).
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    // SIGTERM and wait_exit.
    std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(20));

    // Rewrites the config file (same substitutions) for a SIGHUP reload.
    void rewrite_config(const std::string& yaml);

    // /metrics parsed: "name{labels}" → value, label order as exposed.
    std::map<std::string, double> metrics() const;
    double metric(const std::string& key) const;  // 0 when absent
    // The comparison records written so far, parsed (every line must parse: else ADD_FAILURE).
    std::vector<nlohmann::json> records() const;
    // The record of the request with this X-Request-Id, waited for up to `timeout`; null (and a
    // test failure) when it did not come.
    nlohmann::json record_of(const std::string& request_id,
                             std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

    // Resident set size of the process in KiB (VmRSS), 0 when unknown.
    long rss_kib() const;

private:
    std::string expand(const std::string& yaml) const;
    void read_start_line();  // sets port_ and admin_port_ once the proxy has logged them

    std::string dir_;
    std::string config_path_;
    std::string log_path_;
    std::string stderr_path_;
    unsigned short port_ = 0;
    unsigned short admin_port_ = 0;
    pid_t pid_ = -1;
    bool ready_ = false;
    std::optional<int> exit_code_;
};

// Runs the binary with arguments, capturing stdout/stderr; bounded by `timeout`.
struct command_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};
command_result run_binary(const std::vector<std::string>& args,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60),
                          const std::string& stdin_text = {});

}  // namespace shadowproxy::testing
