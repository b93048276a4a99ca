#include "shadowproxy/report/log_inputs.hpp"

#include <algorithm>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "shadowproxy/report/line_reader.hpp"

namespace shadowproxy::report {

namespace {

namespace fs = std::filesystem;

bool is_log_name(std::string_view name) {
    return name.ends_with(".jsonl") || name.ends_with(".jsonl.gz");
}

std::vector<std::string> logs_in(const std::string& directory) {
    std::vector<std::string> found;
    std::error_code ec;
    for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code type_ec;
        if (it->is_regular_file(type_ec) && is_log_name(it->path().filename().string())) {
            found.push_back(it->path().string());
        }
    }
    if (ec) {
        throw read_error("cannot list log directory " + directory + ": " + ec.message());
    }
    if (found.empty()) {
        throw read_error("log directory " + directory + " holds no *.jsonl or *.jsonl.gz file");
    }
    std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
        return fs::path(a).filename() < fs::path(b).filename();
    });
    return found;
}

}  // namespace

std::vector<std::string> expand_log_inputs(const std::vector<std::string>& arguments) {
    std::vector<std::string> files;
    for (const auto& argument : arguments) {
        std::error_code ec;
        if (argument != "-" && fs::is_directory(argument, ec)) {
            const auto inside = logs_in(argument);
            files.insert(files.end(), inside.begin(), inside.end());
        } else {
            files.push_back(argument);
        }
    }
    return files;
}

}  // namespace shadowproxy::report
