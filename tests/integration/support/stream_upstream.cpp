#include "support/stream_upstream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace shadowproxy::testing {

namespace {

constexpr int io_timeout_ms = 30000;

bool wait_for(int fd, short events, int timeout_ms) {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, timeout_ms) > 0;
}

}  // namespace

bool stream_connection::write(std::string_view bytes) {
    while (!bytes.empty()) {
        if (!wait_for(fd_, POLLOUT, io_timeout_ms)) {
            return false;
        }
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool stream_connection::write_chunk(std::string_view data) {
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
    std::string framed = size_line;
    framed.append(data).append("\r\n");
    return write(framed);
}

stream_upstream::stream_upstream(stream_answer answer) : answer_(std::move(answer)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listener_, 64) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        std::abort();
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

stream_upstream::~stream_upstream() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    ::close(listener_);
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mutex_);
        for (int fd : connections_) {
            ::shutdown(fd, SHUT_RDWR);
        }
        threads.swap(threads_);
    }
    for (auto& t : threads) {
        t.join();
    }
}

void stream_upstream::accept_loop() {
    while (!stopping_) {
        if (!wait_for(listener_, POLLIN, 100)) {
            continue;
        }
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        const int on = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        std::lock_guard lock(mutex_);
        if (stopping_) {
            ::close(fd);
            return;
        }
        connections_.push_back(fd);
        threads_.emplace_back([this, fd] { serve(fd); });
    }
}

void stream_upstream::serve(int fd) {
    std::string pending;
    stream_connection out{fd};
    // Appends what arrives to `pending`; false when the peer closed or stayed silent too long.
    const auto receive = [&] {
        char buf[65536];
        if (!wait_for(fd, POLLIN, io_timeout_ms)) {
            return false;
        }
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            return false;
        }
        pending.append(buf, static_cast<std::size_t>(n));
        return true;
    };
    bool keep = true;
    while (keep && !stopping_) {
        std::size_t end;
        while ((end = pending.find("\r\n\r\n")) == std::string::npos && keep) {
            keep = receive();
        }
        if (!keep) {
            break;
        }
        const std::string head = pending.substr(0, end + 4);
        pending.erase(0, end + 4);
        // Request bodies here are small and sent with Content-Length by the proxy.
        std::size_t body = 0;
        if (const auto at = head.find("Content-Length: "); at != std::string::npos) {
            body = std::strtoul(head.c_str() + at + 16, nullptr, 10);
        }
        while (pending.size() < body && keep) {
            keep = receive();
        }
        if (!keep) {
            break;
        }
        pending.erase(0, body);
        keep = answer_(head, out);
    }
    ::shutdown(fd, SHUT_RDWR);
    std::lock_guard lock(mutex_);
    std::erase(connections_, fd);
    ::close(fd);
}

stream_client::stream_client(unsigned short port, const std::string& request) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        !stream_connection{fd_}.write(request)) {
        ::close(fd_);
        fd_ = -1;
    }
}

stream_client::~stream_client() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

long stream_client::read_some(std::chrono::milliseconds timeout, std::size_t max_bytes) {
    if (fd_ < 0) {
        return -1;
    }
    if (!wait_for(fd_, POLLIN, static_cast<int>(timeout.count()))) {
        return 0;
    }
    const std::size_t old = received_.size();
    received_.resize(old + max_bytes);
    const ssize_t n = ::recv(fd_, received_.data() + old, max_bytes, 0);
    received_.resize(old + static_cast<std::size_t>(n > 0 ? n : 0));
    return n > 0 ? n : -1;
}

bool decode_chunked(std::string_view raw, std::string& body, bool& complete) {
    complete = false;
    while (true) {
        const auto line_end = raw.find("\r\n");
        if (line_end == std::string_view::npos) {
            return true;
        }
        char* parsed_end = nullptr;
        const std::string size_text{raw.substr(0, line_end)};
        const unsigned long size = std::strtoul(size_text.c_str(), &parsed_end, 16);
        if (size_text.empty() || parsed_end != size_text.c_str() + size_text.size()) {
            return false;
        }
        if (size == 0) {
            complete = raw.substr(line_end + 2, 2) == "\r\n";
            return true;
        }
        if (raw.size() < line_end + 2 + size + 2) {
            return true;
        }
        body.append(raw.substr(line_end + 2, size));
        if (raw.substr(line_end + 2 + size, 2) != "\r\n") {
            return false;
        }
        raw.remove_prefix(line_end + 2 + size + 2);
    }
}

}  // namespace shadowproxy::testing
