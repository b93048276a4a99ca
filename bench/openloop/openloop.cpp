// openloop: an open-loop HTTP/1.1 load generator for bench/proxy/run.sh --rate. Requests are
// sent on a fixed schedule (R per second in all, spread evenly over C keep-alive connections),
// whatever the answers do; a request whose connection is still busy at its send time goes out
// as soon as the connection is free, and its latency still counts from the time it was due
// (no coordinated omission: a stall shows in the percentiles instead of slowing the load).
//
// Prints one line "BENCH_JSON {...}" in the format of bench/proxy/post.lua (requests, duration,
// errors by kind, latency percentiles in µs) for bench/proxy/benchlib.py, and a human summary
// to stderr. One thread; every wait is bounded by --duration plus a 5 s drain.
// Exit: 0 after the run (errors are counted, not fatal), 2 on bad usage or no connection.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using boost::system::error_code;

struct settings {
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    std::string path = "/predict";
    std::string body = R"({"features":[0.5,1.25,3.0,42],"request":"bench"})";
    double rate = 1000;
    unsigned connections = 64;
    double duration_s = 10;
    double warmup_s = 1;
};

struct totals {
    std::vector<std::uint32_t> latencies_us;  // requests due after the warm-up
    std::uint64_t connect = 0, read = 0, write = 0, status = 0, timeout = 0;
    std::uint64_t late = 0;  // sent after their due time (the connection was busy)
};

// One keep-alive connection: sends its share of the schedule, one request at a time.
class connection {
public:
    connection(asio::io_context& context, const settings& options, const std::string& request,
               totals& out, clock_type::time_point first_due, clock_type::duration interval,
               clock_type::time_point measure_from, clock_type::time_point stop_at)
        : socket_(context),
          timer_(context),
          options_(options),
          request_(request),
          out_(out),
          due_(first_due),
          interval_(interval),
          measure_from_(measure_from),
          stop_at_(stop_at) {}

    void start() {
        socket_.async_connect({asio::ip::make_address(options_.host), options_.port},
                              [this](error_code ec) {
                                  if (ec) {
                                      ++out_.connect;
                                      return;
                                  }
                                  socket_.set_option(tcp::no_delay(true));
                                  wait_for_due();
                              });
    }

    void close() {
        error_code ignored;
        timer_.cancel();
        socket_.close(ignored);
    }

private:
    void wait_for_due() {
        if (due_ >= stop_at_) {
            return;
        }
        if (clock_type::now() >= due_) {
            ++out_.late;
            send();
            return;
        }
        timer_.expires_at(due_);
        timer_.async_wait([this](error_code ec) {
            if (!ec) {
                send();
            }
        });
    }

    void send() {
        sent_for_ = due_;
        due_ += interval_;
        asio::async_write(socket_, asio::buffer(request_), [this](error_code ec, std::size_t) {
            if (ec) {
                ++out_.write;
                return;
            }
            answer_.clear();
            read_answer();
        });
    }

    void read_answer() {
        socket_.async_read_some(asio::buffer(chunk_), [this](error_code ec, std::size_t n) {
            if (ec) {
                ++out_.read;
                return;
            }
            answer_.append(chunk_.data(), n);
            const auto state = answer_complete();
            if (state == answer_state::incomplete) {
                read_answer();
                return;
            }
            if (state == answer_state::not_ok) {
                ++out_.status;
            }
            if (sent_for_ >= measure_from_) {
                const auto took = clock_type::now() - sent_for_;
                out_.latencies_us.push_back(static_cast<std::uint32_t>(
                    std::chrono::duration_cast<std::chrono::microseconds>(took).count()));
            }
            wait_for_due();
        });
    }

    enum class answer_state { incomplete, ok, not_ok };

    // The answers here always carry Content-Length (the bench's upstreams and proxies).
    answer_state answer_complete() const {
        const auto end = answer_.find("\r\n\r\n");
        if (end == std::string::npos) {
            return answer_state::incomplete;
        }
        std::size_t length = 0;
        for (std::size_t line = answer_.find("\r\n"); line < end;
             line = answer_.find("\r\n", line + 2)) {
            static constexpr std::string_view name = "content-length:";
            if (answer_.size() > line + 2 + name.size() &&
                std::equal(name.begin(), name.end(), answer_.begin() + line + 2,
                           [](char a, char b) { return a == std::tolower(b); })) {
                length = std::stoul(answer_.substr(line + 2 + name.size(), 20));
            }
        }
        if (answer_.size() < end + 4 + length) {
            return answer_state::incomplete;
        }
        return answer_.compare(9, 1, "2") == 0 ? answer_state::ok : answer_state::not_ok;
    }

    tcp::socket socket_;
    asio::steady_timer timer_;
    const settings& options_;
    const std::string& request_;
    totals& out_;
    clock_type::time_point due_;
    clock_type::time_point sent_for_;
    clock_type::duration interval_;
    clock_type::time_point measure_from_;
    clock_type::time_point stop_at_;
    std::array<char, 16384> chunk_{};
    std::string answer_;
};

double percentile(const std::vector<std::uint32_t>& sorted, double p) {
    if (sorted.empty()) {
        return 0;
    }
    const auto index = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1));
    return sorted[index];
}

}  // namespace

int main(int argc, char** argv) {
    settings options;
    CLI::App app{"Open-loop HTTP/1.1 load at a fixed request rate (bench/proxy/run.sh --rate)"};
    app.add_option("--host", options.host, "IPv4 address")->capture_default_str();
    app.add_option("--port", options.port, "port")->required();
    app.add_option("--path", options.path)->capture_default_str();
    app.add_option("--body", options.body, "JSON POST body")->capture_default_str();
    app.add_option("--rate", options.rate, "requests per second, all connections together")
        ->required()
        ->check(CLI::PositiveNumber);
    app.add_option("--connections", options.connections)
        ->capture_default_str()
        ->check(CLI::Range(1u, 10000u));
    app.add_option("--duration", options.duration_s, "seconds measured")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--warmup", options.warmup_s, "seconds sent but not measured first")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    CLI11_PARSE(app, argc, argv);

    const std::string request = "POST " + options.path + " HTTP/1.1\r\nHost: " + options.host +
                                ":" + std::to_string(options.port) +
                                "\r\nContent-Type: application/json\r\nContent-Length: " +
                                std::to_string(options.body.size()) + "\r\n\r\n" + options.body;
    asio::io_context context;
    totals out;
    const auto seconds = [](double s) {
        return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s));
    };
    // Every connection gets every C-th slot of the global schedule, starting 100 ms from now
    // so the connections are up before the first is due.
    const auto start = clock_type::now() + std::chrono::milliseconds(100);
    const auto measure_from = start + seconds(options.warmup_s);
    const auto stop_at = measure_from + seconds(options.duration_s);
    const auto interval = seconds(options.connections / options.rate);
    out.latencies_us.reserve(static_cast<std::size_t>(options.rate * options.duration_s * 1.1));
    std::vector<std::unique_ptr<connection>> connections;
    for (unsigned c = 0; c < options.connections; ++c) {
        connections.push_back(std::make_unique<connection>(context, options, request, out,
                                                           start + seconds(c / options.rate),
                                                           interval, measure_from, stop_at));
        connections.back()->start();
    }
    // Answers still out at the end get 5 s; what has not come by then counts as a timeout.
    asio::steady_timer drain(context);
    drain.expires_at(stop_at + std::chrono::seconds(5));
    drain.async_wait([&](error_code) {
        for (auto& each : connections) {
            each->close();
        }
    });
    context.run();

    const auto expected = static_cast<std::uint64_t>(options.rate * options.duration_s + 0.5);
    if (out.connect == options.connections) {
        std::cerr << "openloop: no connection to " << options.host << ":" << options.port << "\n";
        return 2;
    }
    // Due requests (after the warm-up) with no answer: the ones whose connection failed are
    // counted as read/write errors already, the rest never got an answer in time.
    const std::uint64_t measured = out.latencies_us.size();
    const std::uint64_t unanswered = expected > measured ? expected - measured : 0;
    out.timeout = unanswered - std::min(unanswered, out.read + out.write);
    std::sort(out.latencies_us.begin(), out.latencies_us.end());
    const auto& l = out.latencies_us;
    double mean = 0;
    for (auto v : l) {
        mean += v;
    }
    mean = l.empty() ? 0 : mean / static_cast<double>(l.size());
    std::printf(
        "BENCH_JSON {\"requests\":%llu,\"duration_us\":%llu,\"bytes\":0,"
        "\"errors\":{\"connect\":%llu,\"read\":%llu,\"write\":%llu,\"status\":%llu,"
        "\"timeout\":%llu},\"latency_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,"
        "\"p999\":%.1f,\"max\":%.1f,\"mean\":%.1f},\"rate\":%.1f,\"late\":%llu}\n",
        static_cast<unsigned long long>(measured),
        static_cast<unsigned long long>(options.duration_s * 1e6),
        static_cast<unsigned long long>(out.connect), static_cast<unsigned long long>(out.read),
        static_cast<unsigned long long>(out.write), static_cast<unsigned long long>(out.status),
        static_cast<unsigned long long>(out.timeout), percentile(l, 50), percentile(l, 90),
        percentile(l, 99), percentile(l, 99.9), l.empty() ? 0.0 : l.back(), mean, options.rate,
        static_cast<unsigned long long>(out.late));
    std::cerr << "openloop: " << measured << " of " << expected << " due answered at "
              << options.rate << " req/s over " << options.connections << " connections; "
              << out.late << " sent late; p50 " << percentile(l, 50) << " us, p99 "
              << percentile(l, 99) << " us\n";
    return 0;
}
