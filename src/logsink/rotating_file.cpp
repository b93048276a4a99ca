#include "logsink/rotating_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace shadowproxy::logsink::detail {

namespace {

// Large enough to make a busy second's records a handful of syscalls, small enough that a
// failed write never costs much.
constexpr std::size_t coalesce_bytes = 256 * 1024;

std::string describe_failure(const std::string& what, const std::string& path, int error) {
    return what + " " + path + ": " + std::strerror(error);
}

}  // namespace

rotating_file::rotating_file(const config::log_config& settings)
    : path_(settings.path),
      max_file_bytes_(settings.max_file_bytes),
      max_files_(settings.max_files),
      to_stdout_(settings.path == "-") {}

rotating_file::~rotating_file() {
    close();
}

std::string rotating_file::open() {
    if (fd_ >= 0) {
        return {};
    }
    if (to_stdout_) {
        fd_ = STDOUT_FILENO;
        rotatable_ = false;
        size_ = 0;
        return {};
    }
    const std::filesystem::path file(path_);
    if (file.has_parent_path()) {
        std::error_code ignored;  // a failure shows up as the open() error below
        std::filesystem::create_directories(file.parent_path(), ignored);
    }
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        return describe_failure("cannot open", path_, errno);
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        const int error = errno;
        ::close(fd);
        return describe_failure("cannot stat", path_, error);
    }
    fd_ = fd;
    rotatable_ = S_ISREG(info.st_mode);
    size_ = rotatable_ ? static_cast<std::uint64_t>(info.st_size) : 0;
    return {};
}

void rotating_file::close() {
    if (fd_ >= 0 && fd_ != STDOUT_FILENO) {
        ::close(fd_);
    }
    fd_ = -1;
}

rotating_file::result rotating_file::write(const std::vector<std::string>& lines) {
    result outcome;
    buffer_.clear();
    buffered_lines_ = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (fd_ < 0) {
            if (auto error = open(); !error.empty()) {
                outcome.error = std::move(error);
                outcome.dropped += lines.size() - i;
                return outcome;
            }
        }
        const std::string& line = lines[i];
        const bool needs_newline = line.empty() || line.back() != '\n';
        const std::uint64_t length = line.size() + (needs_newline ? 1 : 0);
        const std::uint64_t pending = size_ + buffer_.size();
        if (rotatable_ && pending > 0 && pending + length > max_file_bytes_) {
            // After a failed flush the file is closed; the next line tries to reopen it.
            if (flush_buffer(outcome)) {
                rotate(outcome);
            }
            if (fd_ < 0) {
                ++outcome.dropped;
                continue;
            }
        }
        buffer_ += line;
        if (needs_newline) {
            buffer_ += '\n';
        }
        ++buffered_lines_;
        if (buffer_.size() >= coalesce_bytes) {
            flush_buffer(outcome);
        }
    }
    flush_buffer(outcome);
    return outcome;
}

bool rotating_file::flush_buffer(result& outcome) {
    std::size_t done = 0;
    int error = 0;
    while (done < buffer_.size()) {
        const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            error = n < 0 ? errno : EIO;
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    const std::uint64_t lines = buffered_lines_;
    buffer_.clear();
    buffered_lines_ = 0;
    if (error == 0) {
        size_ += done;
        outcome.written += lines;
        return true;
    }
    // Cut off whatever part of the batch did reach the file so it never ends in half a line.
    if (done > 0 && rotatable_ && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
        outcome.error = describe_failure("cannot remove a partial write from", path_, errno);
    } else {
        outcome.error = describe_failure("cannot write", path_, error);
    }
    outcome.dropped += lines;
    close();
    return false;
}

std::filesystem::path rotating_file::numbered(std::size_t k) const {
    const std::filesystem::path file(path_);
    std::filesystem::path name = file.stem();
    name += "." + std::to_string(k);
    name += file.extension();
    return file.parent_path() / name;
}

void rotating_file::rotate(result& outcome) {
    close();
    const auto fail = [&](const std::string& what, const std::string& path) {
        if (errno != ENOENT) {
            outcome.error = describe_failure(what, path, errno);
        }
    };
    if (max_files_ == 0) {
        if (::unlink(path_.c_str()) != 0) {
            fail("cannot remove", path_);
        }
    } else {
        const std::string oldest = numbered(max_files_).string();
        if (::unlink(oldest.c_str()) != 0) {
            fail("cannot remove", oldest);
        }
        for (std::size_t k = max_files_ - 1; k >= 1; --k) {
            const std::string from = numbered(k).string();
            if (::rename(from.c_str(), numbered(k + 1).c_str()) != 0) {
                fail("cannot rename", from);
            }
        }
        if (::rename(path_.c_str(), numbered(1).c_str()) != 0) {
            fail("cannot rename", path_);
        }
    }
    if (auto error = open(); !error.empty()) {
        outcome.error = std::move(error);
    }
}

}  // namespace shadowproxy::logsink::detail
