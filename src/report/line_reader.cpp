#include "shadowproxy/report/line_reader.hpp"

#include <unistd.h>
#include <zlib.h>

#include <cstring>

namespace shadowproxy::report {

namespace {

constexpr std::size_t chunk_bytes = 1 << 20;

gzFile as_gz(void* file) {
    return static_cast<gzFile>(file);
}

}  // namespace

line_reader::line_reader(const std::string& path)
    : name_(path == "-" ? "<stdin>" : path), buffer_(chunk_bytes) {
    gzFile file = nullptr;
    if (path == "-") {
        // gzclose() closes the descriptor it was given: hand it a duplicate of stdin.
        const int fd = ::dup(STDIN_FILENO);
        file = fd < 0 ? nullptr : gzdopen(fd, "rb");
        if (file == nullptr && fd >= 0) {
            ::close(fd);
        }
    } else {
        file = gzopen(path.c_str(), "rb");
    }
    if (file == nullptr) {
        throw read_error("cannot open log file " + name_ + ": " + std::strerror(errno));
    }
    gzbuffer(file, 1 << 17);
    file_ = file;
}

line_reader::~line_reader() {
    if (file_ != nullptr) {
        gzclose(as_gz(file_));
    }
}

bool line_reader::fill() {
    // Keep the unfinished line, at the front, and read after it; grow for very long lines.
    if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (end_ == buffer_.size()) {
        buffer_.resize(buffer_.size() * 2);
    }
    const auto room = static_cast<unsigned>(buffer_.size() - end_);
    const int got = gzread(as_gz(file_), buffer_.data() + end_, room);
    int code = Z_OK;
    const char* message = gzerror(as_gz(file_), &code);
    if (got < 0) {
        if (code == Z_ERRNO) {
            throw read_error("cannot read log file " + name_ + ": " + std::strerror(errno));
        }
        throw read_error("corrupt gzip data in " + name_ + " at compressed offset " +
                         std::to_string(gzoffset(as_gz(file_))) + " (after " +
                         std::to_string(gztell(as_gz(file_))) + " uncompressed bytes): " + message);
    }
    // zlib reports a gzip stream cut short as the end of the data with Z_BUF_ERROR set.
    if (got == 0 && code == Z_BUF_ERROR) {
        throw read_error("truncated gzip file " + name_ +
                         ": the stream ends at compressed offset " +
                         std::to_string(gzoffset(as_gz(file_))) + " (after " +
                         std::to_string(gztell(as_gz(file_))) + " uncompressed bytes)");
    }
    if (got == 0) {
        eof_ = true;
        return false;
    }
    end_ += static_cast<std::size_t>(got);
    return true;
}

bool line_reader::next(std::string_view& line) {
    std::size_t scanned = begin_;
    for (;;) {
        const void* found = std::memchr(buffer_.data() + scanned, '\n', end_ - scanned);
        if (found != nullptr) {
            const auto newline =
                static_cast<std::size_t>(static_cast<const char*>(found) - buffer_.data());
            std::size_t stop = newline;
            if (stop > begin_ && buffer_[stop - 1] == '\r') {
                --stop;
            }
            line = std::string_view(buffer_.data() + begin_, stop - begin_);
            begin_ = newline + 1;
            ++line_number_;
            return true;
        }
        const std::size_t pending = end_ - begin_;
        if (eof_ || !fill()) {
            if (end_ == begin_) {
                return false;
            }
            // The last line has no newline.
            line = std::string_view(buffer_.data() + begin_, end_ - begin_);
            begin_ = end_;
            ++line_number_;
            return true;
        }
        scanned = begin_ + pending;
    }
}

}  // namespace shadowproxy::report
