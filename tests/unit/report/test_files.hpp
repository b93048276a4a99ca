// Temporary files for report tests: a fresh directory per fixture, removed afterwards.
#pragma once

#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

namespace shadowproxy::report::testing {

class temp_dir {
public:
    temp_dir() {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("shadowproxy-report-test-" + std::to_string(::getpid()) + "-" +
                 std::to_string(counter++));
        std::filesystem::create_directories(path_);
    }
    ~temp_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    std::string write(const std::string& name, const std::string& content) const {
        const auto file = (path_ / name).string();
        std::ofstream(file, std::ios::binary) << content;
        return file;
    }

    std::string write_gz(const std::string& name, const std::string& content) const {
        const auto file = (path_ / name).string();
        gzFile out = gzopen(file.c_str(), "wb");
        gzwrite(out, content.data(), static_cast<unsigned>(content.size()));
        gzclose(out);
        return file;
    }

    std::string path(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

}  // namespace shadowproxy::report::testing
