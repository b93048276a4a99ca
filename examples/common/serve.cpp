#include "common/serve.hpp"

#include <boost/asio.hpp>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

namespace shadowproxy::examples {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(asio::io_context& ioc, const tcp::endpoint& endpoint, const session_starter& start)
        : ioc_(ioc), acceptor_(ioc, endpoint), start_(start) {}

    void do_accept() {
        acceptor_.async_accept(
            asio::make_strand(ioc_),
            [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
                self->on_accept(ec, std::move(socket));
            });
    }

    tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

    void stop() {
        boost::system::error_code ec;
        acceptor_.close(ec);
    }

private:
    void on_accept(boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted) {
            return;
        }
        if (!ec) {
            socket.set_option(tcp::no_delay{true}, ec);
            start_(std::move(socket));
        }
        do_accept();
    }

    asio::io_context& ioc_;
    tcp::acceptor acceptor_;
    const session_starter& start_;
};

}  // namespace

void serve(const std::string& address, unsigned threads, const std::vector<listen_port>& ports) {
    threads = std::max(1U, threads);
    asio::io_context ioc(static_cast<int>(threads));
    std::vector<std::shared_ptr<listener>> listeners;
    for (const auto& port : ports) {
        const tcp::endpoint endpoint(asio::ip::make_address(address), port.port);
        listeners.push_back(std::make_shared<listener>(ioc, endpoint, port.start_session));
    }
    for (std::size_t i = 0; i < ports.size(); ++i) {
        listeners[i]->do_accept();
        std::cerr << ports[i].banner << " listening on " << listeners[i]->local_endpoint() << '\n';
    }

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code, int) {
        for (const auto& accepting : listeners) {
            accepting->stop();
        }
        ioc.stop();
    });
    std::vector<std::thread> workers;
    for (unsigned i = 1; i < threads; ++i) {
        workers.emplace_back([&ioc] { ioc.run(); });
    }
    ioc.run();
    for (auto& worker : workers) {
        worker.join();
    }
}

void serve(const std::string& address, std::uint16_t port, unsigned threads,
           const std::string& banner, const session_starter& start_session) {
    serve(address, threads, {{port, banner, start_session}});
}

}  // namespace shadowproxy::examples
