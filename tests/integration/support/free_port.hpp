// Ports for tests that must write a fixed port into a config or a command line (a proxy
// started by proxy_process picks its own: it is given port 0). Tests run in parallel, each in
// its own process, so a port that was merely free a moment ago may be someone else's by the
// time the program binds it. free_port() therefore hands out ports below the kernel's
// ephemeral range (which bind(0) and connect() never use) and marks each as taken with an
// abstract Unix socket named after it, held until the test process exits: no two test
// processes get the same port. Any thread; fails the test (ADD_FAILURE) and returns 0 when no
// port is left.
#pragma once

namespace shadowproxy::testing {

unsigned short free_port();

}  // namespace shadowproxy::testing
