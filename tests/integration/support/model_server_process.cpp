#include "support/model_server_process.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "support/http_client.hpp"
#include "support/proxy_process.hpp"

extern char** environ;

namespace shadowproxy::testing {

namespace {

using namespace std::chrono_literals;

bool reaped(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            return true;
        }
        std::this_thread::sleep_for(10ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
}

}  // namespace

model_server_process::model_server_process(const std::string& weights,
                                           const std::vector<std::string>& extra_args)
    : model_server_process(server_command{[&] {
          std::vector<std::string> args{MODEL_SERVER_BINARY, "--weights", weights};
          args.insert(args.end(), extra_args.begin(), extra_args.end());
          return args;
      }()}) {}

model_server_process::model_server_process(server_command command) : port_(free_port()) {
    std::vector<std::string> args = std::move(command.args);
    args.push_back("--port");
    args.push_back(std::to_string(port_));
    std::vector<char*> argv;
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
        pid_ = -1;
        return;
    }
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (http_get(port_, "/healthz").status == 200) {
            ready_ = true;
            return;
        }
        std::this_thread::sleep_for(20ms);
    }
}

model_server_process::~model_server_process() {
    if (pid_ <= 0) {
        return;
    }
    ::kill(pid_, SIGTERM);
    if (!reaped(pid_, 5s)) {
        ::kill(pid_, SIGKILL);
        reaped(pid_, 5s);
    }
}

std::string model_server_process::url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
}

}  // namespace shadowproxy::testing
