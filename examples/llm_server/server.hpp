// The example LLM's HTTP side: POST /v1/chat/completions and /v1/completions (streamed as SSE,
// one event per token after a configurable delay, or whole), GET /healthz, keep-alive.
//
// Owned by examples/llm_server/main.cpp, which calls run() once. Sessions run on an io_context
// shared by `threads` threads, each session its own chain of do_/on_ steps sharing only the
// immutable generator. Binding failures throw boost::system::system_error before serving; run()
// returns after SIGINT or SIGTERM.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "llm_server/generator.hpp"

namespace shadowproxy::examples::llm {

struct server_options {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8080;
    std::chrono::milliseconds token_delay{20};  // between streamed events, and per token whole
    unsigned threads = 2;
};

void run(const generator& model, const server_options& options);

}  // namespace shadowproxy::examples::llm
