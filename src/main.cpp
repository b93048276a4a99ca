#include "shadowproxy/app/cli.hpp"

int main(int argc, char** argv) {
    return shadowproxy::app::run_cli(argc, argv);
}
