// grpc_replay: replays examples/data/requests.jsonl as Open Inference Protocol ModelInfer calls
// over HTTP/2 with prior knowledge (h2c), for the gRPC demo (scripts/demo.sh --grpc). The calls
// share one connection, up to --concurrency streams at once; each carries the row's request id
// as x-request-id so the proxy's records join examples/data/labels.csv.
//
// Usage: grpc_replay --port N [--host 127.0.0.1] [--data FILE] [--limit N] [--concurrency 8]
//                    [--model churn] [--timeout-ms 10000]
// Exit codes: 0 when every call ended with grpc-status 0, 1 when some did not (or the connection
// failed), 2 on bad usage or an unreadable data file.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/h2_client_connection.hpp"
#include "common/serve.hpp"
#include "grpc_replay/infer_calls.hpp"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace shadowproxy::examples;

constexpr std::string_view usage =
    "usage: grpc_replay --port N [--host 127.0.0.1] [--data examples/data/requests.jsonl]\n"
    "                   [--limit N] [--concurrency 8] [--model churn] [--timeout-ms 10000]\n"
    "Sends each row as a ModelInfer call (input \"features\", FP64 [1, N]) over h2c.\n";

struct arguments {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string data = "examples/data/requests.jsonl";
    std::size_t limit = 0;
    std::size_t concurrency = 8;
    std::string model = "churn";
    std::chrono::milliseconds timeout{10000};
    bool help = false;
};

std::optional<std::string> parse_arguments(int argc, char** argv, arguments& out) {
    bool have_port = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            out.help = true;
            return std::nullopt;
        }
        if (i + 1 >= argc) {
            return std::string(flag) + " needs a value";
        }
        const std::string_view value = argv[++i];
        if (flag == "--host") {
            out.host = value;
        } else if (flag == "--port") {
            const auto port = parse_number<std::uint16_t>(value);
            if (!port || *port == 0) {
                return "--port must be a number from 1 to 65535";
            }
            out.port = *port;
            have_port = true;
        } else if (flag == "--data") {
            out.data = value;
        } else if (flag == "--limit") {
            const auto limit = parse_number<std::size_t>(value);
            if (!limit) {
                return "--limit must be a non-negative number";
            }
            out.limit = *limit;
        } else if (flag == "--concurrency") {
            const auto concurrency = parse_number<std::size_t>(value);
            if (!concurrency || *concurrency == 0 || *concurrency > 100) {
                return "--concurrency must be a number from 1 to 100";
            }
            out.concurrency = *concurrency;
        } else if (flag == "--model") {
            out.model = value;
        } else if (flag == "--timeout-ms") {
            const auto timeout = parse_number<unsigned>(value);
            if (!timeout || *timeout == 0) {
                return "--timeout-ms must be a positive number";
            }
            out.timeout = std::chrono::milliseconds(*timeout);
        } else {
            return "unknown option " + std::string(flag);
        }
    }
    if (!have_port) {
        return "--port is required";
    }
    return std::nullopt;
}

// "ok", or why the call failed ("grpc-status 14", "HTTP 502", "reset", "no answer").
std::string outcome(const h2_answer& answer) {
    if (!answer.closed) {
        return "no answer";
    }
    if (answer.reset) {
        return "reset";
    }
    if (answer.status != 200) {
        return "HTTP " + std::to_string(answer.status);
    }
    std::string status = answer.trailer("grpc-status");
    if (status.empty()) {
        status = answer.header("grpc-status");  // a trailers-only answer
    }
    if (status.empty()) {
        return "no grpc-status";
    }
    return status == "0" ? "ok" : "grpc-status " + status;
}

// Sends every call, at most `concurrency` at once; false when the connection failed or stalled
// for a whole timeout. The answers of calls never finished stay closed == false.
bool replay(h2_client_connection<tcp::socket>& connection, asio::io_context& context,
            const std::vector<replay_row>& rows, const arguments& args,
            std::vector<h2_answer>& answers) {
    auto& session = connection.session();
    const std::string authority = args.host + ":" + std::to_string(args.port);
    std::size_t next = 0;
    auto can_send = [&] {
        return (next < rows.size() && session.open_streams() < args.concurrency) ||
               session.open_streams() == 0;
    };
    while (next < rows.size() || session.open_streams() > 0) {
        while (next < rows.size() && session.open_streams() < args.concurrency) {
            if (session.submit(model_infer_call(rows[next], authority, args.model), answers[next]) <
                0) {
                answers[next].closed = true;
            }
            ++next;
        }
        connection.flush();
        connection.run_until(context, can_send, args.timeout);
        if (connection.closed() || !can_send()) {
            session.forget();
            return false;
        }
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    arguments args;
    if (const auto problem = parse_arguments(argc, argv, args)) {
        std::cerr << "grpc_replay: " << *problem << '\n' << usage;
        return 2;
    }
    if (args.help) {
        std::cout << usage;
        return 0;
    }
    std::vector<replay_row> rows;
    try {
        rows = load_rows(args.data, args.limit);
    } catch (const std::exception& e) {
        std::cerr << "grpc_replay: " << e.what() << '\n';
        return 2;
    }
    asio::io_context context;
    tcp::socket socket(context);
    boost::system::error_code ec;
    tcp::resolver resolver(context);
    asio::connect(socket, resolver.resolve(args.host, std::to_string(args.port), ec), ec);
    if (ec) {
        std::cerr << "grpc_replay: cannot connect to " << args.host << ':' << args.port << ": "
                  << ec.message() << '\n';
        return 1;
    }
    socket.set_option(tcp::no_delay{true}, ec);
    h2_client_connection<tcp::socket> connection(socket);
    connection.start();

    const auto started = std::chrono::steady_clock::now();
    std::vector<h2_answer> answers(rows.size());
    const bool finished = replay(connection, context, rows, args, answers);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;

    std::map<std::string, std::size_t> outcomes;
    std::map<long long, std::size_t> classes;
    for (const auto& answer : answers) {
        const auto what = outcome(answer);
        ++outcomes[what];
        if (what == "ok") {
            if (const auto predicted = predicted_class(answer.body)) {
                ++classes[*predicted];
            }
        }
    }
    std::cout << "grpc_replay: " << rows.size() << " ModelInfer calls in " << elapsed.count()
              << " s (" << static_cast<long long>(rows.size() / std::max(elapsed.count(), 1e-3))
              << "/s)\n ";
    for (const auto& [what, count] : outcomes) {
        std::cout << ' ' << what << ": " << count;
    }
    std::cout << "\n  predicted classes:";
    for (const auto& [label, count] : classes) {
        std::cout << ' ' << label << ": " << count;
    }
    std::cout << '\n';
    if (!finished) {
        std::cerr << "grpc_replay: "
                  << (connection.closed() ? "the connection closed"
                                          : "no answer within the timeout")
                  << (connection.error().empty() ? "" : " (" + connection.error() + ")") << '\n';
    }
    const bool all_ok = finished && outcomes.size() == 1 && outcomes.contains("ok");
    return all_ok || rows.empty() ? 0 : 1;
}
