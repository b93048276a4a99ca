// An example server (examples/model_server, examples/llm_server) as a child process for
// integration tests: started on a free 127.0.0.1 port with the given flags, killed by its PID
// (SIGTERM, then SIGKILL after a bounded wait) when the object goes away.
//
// Owned by one test thread. ready() waits (bounded) for GET /healthz; a server that never
// answers makes ready() false, nothing throws.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace shadowproxy::testing {

// A whole command line; "--port N" is appended.
struct server_command {
    std::vector<std::string> args;  // args[0] is the binary
};

class model_server_process {
public:
    // The model server with these weights.
    model_server_process(const std::string& weights, const std::vector<std::string>& extra_args);
    explicit model_server_process(server_command command);
    ~model_server_process();
    model_server_process(const model_server_process&) = delete;
    model_server_process& operator=(const model_server_process&) = delete;

    bool ready() const { return ready_; }
    std::string url() const;

private:
    unsigned short port_ = 0;
    pid_t pid_ = -1;
    bool ready_ = false;
};

}  // namespace shadowproxy::testing
