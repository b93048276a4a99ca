#include "support/free_port.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <string>

namespace shadowproxy::testing {

namespace {

// The lowest port handed out; the highest is just below the ephemeral range.
constexpr unsigned first_port = 10000;

unsigned ephemeral_start() {
    std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
    unsigned low = 0;
    range >> low;
    return low;
}

// Takes the abstract name of `port` for the rest of the process; false when another test
// process holds it.
bool mark(unsigned port) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string name = "shadowproxy-tests/port/" + std::to_string(port);
    std::memcpy(address.sun_path + 1, name.data(), name.size());
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
        ::close(fd);
        return false;
    }
    return true;  // the descriptor stays open on purpose: the mark lasts until the process exits
}

// Nothing else (a program outside the tests) holds the port now.
bool bindable(unsigned port) {
    boost::asio::io_context context;
    boost::asio::ip::tcp::acceptor probe{context};
    boost::system::error_code ec;
    probe.open(boost::asio::ip::tcp::v4(), ec);
    if (!ec) {
        probe.set_option(boost::asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        probe.bind({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)},
                   ec);
    }
    return !ec;
}

}  // namespace

unsigned short free_port() {
    static std::mutex lock;
    const std::lock_guard guard{lock};
    const unsigned end = std::min(ephemeral_start(), 65536U);
    if (end <= first_port) {
        ADD_FAILURE() << "the ephemeral port range starts at " << end << ": no room below it";
        return 0;
    }
    const unsigned count = end - first_port;
    static std::mt19937 generator{std::random_device{}()};
    const unsigned start = generator() % count;
    for (unsigned i = 0; i < count; ++i) {
        const unsigned port = first_port + (start + i) % count;
        if (bindable(port) && mark(port)) {
            return static_cast<unsigned short>(port);
        }
    }
    ADD_FAILURE() << "no free port in " << first_port << "-" << end - 1;
    return 0;
}

}  // namespace shadowproxy::testing
