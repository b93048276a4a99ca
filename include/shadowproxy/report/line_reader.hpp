// Reads a comparison log line by line: a plain file, a gzip file (detected by zlib from the
// content, whatever the name) or "-" for standard input (plain or gzip too).
//
// Used by `report` on its own thread. Lines are returned without the trailing "\n" / "\r\n" as
// views that stay valid until the next call. Opening or reading failures, and a truncated or
// corrupt gzip stream (with its compressed offset), throw read_error with a
// sentence naming the file.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace shadowproxy::report {

class read_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class line_reader {
public:
    explicit line_reader(const std::string& path);
    ~line_reader();
    line_reader(const line_reader&) = delete;
    line_reader& operator=(const line_reader&) = delete;

    // False at the end of the input.
    bool next(std::string_view& line);
    std::uint64_t line_number() const { return line_number_; }
    // The path, or "<stdin>" for "-".
    const std::string& name() const { return name_; }

private:
    bool fill();

    std::string name_;
    void* file_ = nullptr;  // gzFile, kept opaque so zlib stays out of this header
    std::vector<char> buffer_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    bool eof_ = false;
    std::uint64_t line_number_ = 0;
};

}  // namespace shadowproxy::report
