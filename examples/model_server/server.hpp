// The example model server's HTTP side: POST /predict, GET /healthz, keep-alive, on N threads;
// with grpc_port, also OIP ModelInfer over h2c on that port (grpc_server.hpp).
//
// Owned by examples/model_server/main.cpp, which builds the model and calls run() once. The
// sessions run on an io_context shared by `threads` threads; each session is its own strand of
// do_/on_ steps and shares only the immutable model. Binding failures throw
// boost::system::system_error before serving; run() returns after SIGINT or SIGTERM.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "model_server/model.hpp"
#include "model_server/predict_api.hpp"

namespace shadowproxy::examples {

struct server_options {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8080;
    std::chrono::milliseconds delay{0};  // added before every /predict answer, to play a slow model
    unsigned threads = 2;
    output_kind output = output_kind::label;  // --output class|score
    std::optional<std::uint16_t> grpc_port;   // --grpc-port: ModelInfer over h2c
};

void run(const softmax_model& model, const server_options& options);

}  // namespace shadowproxy::examples
