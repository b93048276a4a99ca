// The accept loop and thread pool the example servers share (model_server, llm_server): listens
// on address:port (or several ports, each with its own kind of session), hands each accepted
// socket (TCP_NODELAY set) to its port's start_session on a strand of its own, runs the
// io_context on `threads` threads, and returns after SIGINT or SIGTERM.
//
// Called once from an example's main thread. Binding failures throw
// boost::system::system_error before serving.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <charconv>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shadowproxy::examples {

using session_starter = std::function<void(boost::asio::ip::tcp::socket&&)>;

struct listen_port {
    std::uint16_t port = 0;
    std::string banner;  // printed as "<banner> listening on <endpoint>" on stderr
    session_starter start_session;
};

// Binds every port before serving any.
void serve(const std::string& address, unsigned threads, const std::vector<listen_port>& ports);

// One port: prints "<banner> listening on <endpoint>" on stderr once listening.
void serve(const std::string& address, std::uint16_t port, unsigned threads,
           const std::string& banner, const session_starter& start_session);

// A whole decimal number, or none.
template <typename Number>
std::optional<Number> parse_number(std::string_view text) {
    Number value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

}  // namespace shadowproxy::examples
