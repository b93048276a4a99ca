// model_server: serves one example model over HTTP for the shadowproxy demo, docker/ and k8s/.
//
// Usage: model_server --weights FILE --port N [--address A] [--delay-ms N] [--threads N]
//                     [--output class|score] [--grpc-port N]
// Exit codes: 0 after SIGINT/SIGTERM, 2 on bad usage, an unreadable model or an unbindable port.
#include <boost/system/system_error.hpp>
#include <iostream>
#include <optional>
#include <string_view>

#include "common/serve.hpp"
#include "model_server/server.hpp"

namespace {

using shadowproxy::examples::parse_number;

constexpr std::string_view usage =
    "usage: model_server --weights FILE --port N [--address 127.0.0.1] [--delay-ms N] "
    "[--threads 2] [--output class|score] [--grpc-port N]\n"
    "Serves a softmax-regression model: POST /predict {\"features\":[...]}, GET /healthz.\n"
    "--output score answers the last class's probability (a float) instead of the class.\n"
    "--grpc-port also serves /inference.GRPCInferenceService/ModelInfer (Open Inference\n"
    "Protocol) over h2c on that port: one FP32/FP64 input of shape [B, features] or one input\n"
    "per feature name; outputs \"probabilities\" (FP32) and \"predicted_class\" (INT64).\n";

struct arguments {
    std::string weights;
    shadowproxy::examples::server_options options;
    bool help = false;
};

// Returns the reason the command line is wrong, or nothing.
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
        if (flag == "--weights") {
            out.weights = value;
        } else if (flag == "--address") {
            out.options.address = value;
        } else if (flag == "--port") {
            const auto port = parse_number<std::uint16_t>(value);
            if (!port) {
                return "--port must be a number from 0 to 65535";
            }
            out.options.port = *port;
            have_port = true;
        } else if (flag == "--grpc-port") {
            const auto port = parse_number<std::uint16_t>(value);
            if (!port) {
                return "--grpc-port must be a number from 0 to 65535";
            }
            out.options.grpc_port = *port;
        } else if (flag == "--delay-ms") {
            const auto delay = parse_number<unsigned>(value);
            if (!delay) {
                return "--delay-ms must be a non-negative number";
            }
            out.options.delay = std::chrono::milliseconds(*delay);
        } else if (flag == "--threads") {
            const auto threads = parse_number<unsigned>(value);
            if (!threads || *threads == 0 || *threads > 64) {
                return "--threads must be a number from 1 to 64";
            }
            out.options.threads = *threads;
        } else if (flag == "--output") {
            if (value != "class" && value != "score") {
                return "--output must be class or score";
            }
            out.options.output = value == "score" ? shadowproxy::examples::output_kind::score
                                                  : shadowproxy::examples::output_kind::label;
        } else {
            return "unknown option " + std::string(flag);
        }
    }
    if (out.weights.empty() || !have_port) {
        return "--weights and --port are required";
    }
    return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
    arguments args;
    if (const auto problem = parse_arguments(argc, argv, args)) {
        std::cerr << "model_server: " << *problem << '\n' << usage;
        return 2;
    }
    if (args.help) {
        std::cout << usage;
        return 0;
    }
    try {
        const auto model = shadowproxy::examples::load_model(args.weights);
        shadowproxy::examples::run(model, args.options);
    } catch (const boost::system::system_error& e) {
        std::cerr << "model_server: cannot listen on " << args.options.address << ':'
                  << args.options.port;
        if (args.options.grpc_port) {
            std::cerr << " and :" << *args.options.grpc_port;
        }
        std::cerr << ": " << e.code().message() << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "model_server: " << e.what() << '\n';
        return 2;
    }
    return 0;
}
