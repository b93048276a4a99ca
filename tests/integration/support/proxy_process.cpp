#include "support/proxy_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/regex_pattern.hpp"
#include "support/binaries.hpp"
#include "support/http_client.hpp"
#include "support/wait.hpp"

extern char** environ;

namespace shadowproxy::testing {

namespace fs = std::filesystem;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (std::size_t pos = text.find(from); pos != std::string::npos;
         pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
}

bool has_top_level_key(const std::string& yaml, const std::string& key) {
    std::istringstream lines(yaml);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(key + ":", 0) == 0) {
            return true;
        }
    }
    return false;
}

std::optional<int> wait_pid(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
        int status = 0;
        const pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            if (WIFEXITED(status)) {
                return WEXITSTATUS(status);
            }
            return 128 + WTERMSIG(status);
        }
        if (r < 0) {
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    } while (std::chrono::steady_clock::now() < deadline);
    return std::nullopt;
}

std::string make_temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "shadowproxy-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    return pattern;
}

}  // namespace

pid_t spawn(const std::vector<std::string>& args, const std::string& out_path,
            const std::string& err_path, const std::string& in_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    std::vector<char*> argv;
    for (const auto& arg : args) {
        argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    pid_t pid = -1;
    if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
        pid = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    return pid;
}

proxy_process::proxy_process(const std::string& yaml, std::chrono::milliseconds ready_timeout,
                             readiness until)
    : dir_(make_temp_dir()),
      config_path_(dir_ + "/config.yaml"),
      log_path_(dir_ + "/comparisons.jsonl"),
      stderr_path_(dir_ + "/stderr.log") {
    rewrite_config(yaml);
    pid_ = spawn({shadowproxy_binary(), "serve", "--config", config_path_}, dir_ + "/stdout.log",
                 stderr_path_, "/dev/null");
    if (pid_ < 0) {
        ADD_FAILURE() << "cannot start " << shadowproxy_binary();
        return;
    }
    // The admin port is known, and this proxy's, only once the start line names it: before,
    // another proxy could answer on a port this one was about to bind.
    const auto deadline = std::chrono::steady_clock::now() + ready_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (auto code = wait_pid(pid_, std::chrono::milliseconds(0))) {
            exit_code_ = code;
            break;
        }
        if (admin_port_ == 0) {
            read_start_line();
        }
        if (until == readiness::listening && admin_port_ != 0) {
            ready_ = true;
            break;
        }
        const unsigned status =
            admin_port_ == 0
                ? 0
                : http_get(admin_port_, "/readyz", std::chrono::milliseconds(500)).status;
        if (status == 200 || (until == readiness::admin_answers && status != 0)) {
            ready_ = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!ready_ && !exit_code_) {
        ::kill(pid_, SIGKILL);
        wait_pid(pid_, std::chrono::seconds(5));
    }
    if (!ready_) {
        ADD_FAILURE() << "proxy did not become ready"
                      << (admin_port_ == 0 ? " (no \"listening on\" line: is log.level above "
                                             "info?)"
                                           : "")
                      << "; stderr:\n"
                      << stderr_text();
    }
}

void proxy_process::read_start_line() {
    static const test_support::regex_pattern start_line{
        R"(listening on \S+:(\d+) \(\d+ workers\), admin on \S+:(\d+),)"};
    const auto found = start_line.search(stderr_text());
    if (!found.empty()) {
        port_ = static_cast<unsigned short>(std::stoul(found[1]));
        admin_port_ = static_cast<unsigned short>(std::stoul(found[2]));
    }
}

proxy_process::~proxy_process() {
    if (pid_ > 0 && !exit_code_) {
        ::kill(pid_, SIGKILL);
        wait_pid(pid_, std::chrono::seconds(5));
    }
    std::error_code ignored;
    if (!::testing::Test::HasFailure()) {
        fs::remove_all(dir_, ignored);
    }
}

std::string proxy_process::expand(const std::string& yaml) const {
    std::string text = yaml;
    replace_all(text, "${LOG}", log_path_);
    replace_all(text, "${DIR}", dir_);
    replace_all(text, "${ADMIN_PORT}", "0");
    std::string prefix;
    if (!has_top_level_key(text, "listen")) {
        prefix += "listen: {address: 127.0.0.1, port: 0}\n";
    }
    if (!has_top_level_key(text, "admin")) {
        prefix += "admin: {address: 127.0.0.1, port: 0}\n";
    }
    if (!has_top_level_key(text, "threads")) {
        prefix += "threads: 1\n";
    }
    if (!has_top_level_key(text, "log")) {
        text += "\nlog: {path: " + log_path_ + "}\n";
    }
    return prefix + text;
}

void proxy_process::rewrite_config(const std::string& yaml) {
    const std::string temp = config_path_ + ".tmp";
    {
        std::ofstream out(temp);
        out << expand(yaml);
    }
    fs::rename(temp, config_path_);
}

std::string proxy_process::stderr_text() const {
    return read_file(stderr_path_);
}

void proxy_process::signal(int signo) const {
    if (pid_ > 0 && !exit_code_) {
        ::kill(pid_, signo);
    }
}

std::optional<int> proxy_process::wait_exit(std::chrono::milliseconds timeout) {
    if (exit_code_) {
        return exit_code_;
    }
    exit_code_ = wait_pid(pid_, timeout);
    return exit_code_;
}

std::optional<int> proxy_process::stop(std::chrono::milliseconds timeout) {
    signal(SIGTERM);
    return wait_exit(timeout);
}

std::map<std::string, double> proxy_process::metrics() const {
    std::map<std::string, double> out;
    const auto response = http_get(admin_port_, "/metrics");
    std::istringstream lines(response.body);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        const auto space = line.rfind(' ');
        if (space == std::string::npos) {
            continue;
        }
        out[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return out;
}

double proxy_process::metric(const std::string& key) const {
    const auto all = metrics();
    const auto it = all.find(key);
    return it == all.end() ? 0.0 : it->second;
}

std::vector<nlohmann::json> proxy_process::records() const {
    std::vector<nlohmann::json> out;
    std::string text = read_file(log_path_);
    // The writer may be in the middle of a write(): only complete lines count.
    text.erase(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        auto record = nlohmann::json::parse(line, nullptr, false);
        if (record.is_discarded()) {
            ADD_FAILURE() << "record line does not parse: " << line;
            continue;
        }
        out.push_back(std::move(record));
    }
    return out;
}

nlohmann::json proxy_process::record_of(const std::string& request_id,
                                        std::chrono::milliseconds timeout) const {
    nlohmann::json found;
    EXPECT_TRUE(wait_until(
        [&] {
            for (auto& record : records()) {
                if (record["request_id"] == request_id) {
                    found = std::move(record);
                    return true;
                }
            }
            return false;
        },
        timeout, "the record of request " + request_id));
    return found;
}

long proxy_process::rss_kib() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6));
        }
    }
    return 0;
}

command_result run_binary(const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                          const std::string& stdin_text) {
    const std::string dir = make_temp_dir();
    const std::string in_path = dir + "/stdin";
    {
        std::ofstream in(in_path);
        in << stdin_text;
    }
    std::vector<std::string> argv{shadowproxy_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    command_result result;
    const pid_t pid = spawn(argv, dir + "/stdout", dir + "/stderr", in_path);
    if (pid > 0) {
        auto code = wait_pid(pid, timeout);
        if (!code) {
            ::kill(pid, SIGKILL);
            wait_pid(pid, std::chrono::seconds(5));
        }
        result.exit_code = code.value_or(-1);
    }
    result.out = read_file(dir + "/stdout");
    result.err = read_file(dir + "/stderr");
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    return result;
}

}  // namespace shadowproxy::testing
