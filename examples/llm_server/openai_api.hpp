// The OpenAI-compatible surface of the example LLM: POST /v1/chat/completions and
// /v1/completions bodies in, a whole JSON answer or the SSE events of a stream out.
//
// Pure functions of their arguments and the immutable generator: any thread. Never throw: a
// bad request is a 400 reply with an OpenAI-style error body.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "llm_server/generator.hpp"

namespace shadowproxy::examples::llm {

struct api_reply {
    unsigned status = 200;
    bool stream = false;
    std::string body;                 // when !stream (or an error)
    std::vector<std::string> events;  // when stream: each a whole "data: …\n\n" (or comment)
};

// chat: /v1/chat/completions (else /v1/completions).
api_reply handle_completion(const generator& model, std::string_view body, bool chat);

}  // namespace shadowproxy::examples::llm
