// The comparison log file as the writer thread sees it: appends whole lines, rotates by size
// (comparisons.jsonl → comparisons.1.jsonl, newest first), and never leaves a partial line.
//
// Private to logsink; used by one thread at a time (record_sink's writer). Failures never
// throw: write() reports how many lines were written or dropped and the last error, closes the
// file on a write error, and the next write() tries to open it again.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "shadowproxy/config/config.hpp"

namespace shadowproxy::logsink::detail {

class rotating_file {
public:
    struct result {
        std::uint64_t written = 0;
        std::uint64_t dropped = 0;
        std::string error;  // empty when nothing failed; otherwise the last failure
    };

    explicit rotating_file(const config::log_config& settings);
    ~rotating_file();
    rotating_file(const rotating_file&) = delete;
    rotating_file& operator=(const rotating_file&) = delete;

    // Opens (creating the directory and the file, appending to an existing one) unless open.
    // Returns the failure, or an empty string.
    std::string open();

    // Appends every line (each gets a '\n' if it lacks one), rotating before a line that would
    // push a regular file past max_file_bytes. A line longer than that goes alone into a fresh
    // file.
    result write(const std::vector<std::string>& lines);

    const std::string& path() const { return path_; }

private:
    bool flush_buffer(result& outcome);
    void rotate(result& outcome);
    void close();
    std::filesystem::path numbered(std::size_t k) const;

    std::string path_;
    std::uint64_t max_file_bytes_;
    std::size_t max_files_;
    bool to_stdout_;
    int fd_ = -1;
    bool rotatable_ = false;  // only regular files: never rename /dev/null or a FIFO
    std::uint64_t size_ = 0;  // bytes in the live file, including what was there at open
    std::string buffer_;      // lines coalesced into one write()
    std::uint64_t buffered_lines_ = 0;
};

}  // namespace shadowproxy::logsink::detail
