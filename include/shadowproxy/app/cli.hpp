// The command line of README (Commands): parses argv, runs the chosen command, returns its exit
// code. Called once from main(); never throws (every failure becomes a message on stderr and a
// code).
#pragma once

namespace shadowproxy::app {

int run_cli(int argc, char** argv);

}  // namespace shadowproxy::app
