#include "config/text_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace shadowproxy::config::detail {

std::string read_text_file(const std::string& path, std::string& out) {
    // stdio rather than iostreams: errno is reliably set, so the message can say why.
    errno = 0;
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                               &std::fclose);
    if (!file) {
        return std::strerror(errno);
    }
    out.clear();
    char buffer[65536];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
        out.append(buffer, n);
    }
    if (std::ferror(file.get()) != 0) {
        // A directory opens fine on Linux and fails on the first read with EISDIR.
        return std::strerror(errno != 0 ? errno : EIO);
    }
    return {};
}

}  // namespace shadowproxy::config::detail
