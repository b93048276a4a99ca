// Helpers shared by the config unit tests: a minimal valid file, parse() returning the problems
// instead of throwing, and temporary files for load_file() and features baselines.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "shadowproxy/config/config.hpp"

namespace shadowproxy::config::testing_util {

inline const std::string minimal = "production:\n  url: http://127.0.0.1:8081\n";

// The problems parse() reports for `yaml` (file name "bad.yaml"), empty when it loads.
inline std::vector<std::string> problems_of(const std::string& yaml) {
    try {
        parse(yaml, "bad.yaml");
    } catch (const config_error& e) {
        return e.problems();
    }
    return {};
}

inline std::string joined(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) {
        text += line + "\n";
    }
    return text;
}

inline std::string write_temp(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + name;
    std::ofstream(path) << text;
    return path;
}

}  // namespace shadowproxy::config::testing_util
