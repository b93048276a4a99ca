// The example LLM: a word-level bigram generator over a corpus this file's source builds itself
// (no weights to download), deterministic for a given prompt and seed, so the demo and the tests
// can say exactly what each version answers.
//
// v1 and v2 differ in a measurable way: v2's corpus swaps a few words, its answers are shorter,
// and a share of its tool calls name the argument "location" instead of "city" (a bug).
// Immutable after construction: any thread may call generate() concurrently. Never throws but
// std::bad_alloc.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace shadowproxy::examples::llm {

struct generation_request {
    std::string prompt;  // the user's text (last user message, or the completions prompt)
    double temperature = 0;
    std::optional<std::uint64_t> seed;  // with temperature > 0: same seed, same answer
    std::size_t max_tokens = 32;
    bool weather_tool = false;  // the request offers the get_weather tool
};

struct generated {
    std::vector<std::string> tokens;            // each a piece of text as streamed (" word", ".")
    std::string finish_reason;                  // stop | length | tool_calls
    std::optional<std::string> tool_arguments;  // get_weather's JSON arguments
};

class generator {
public:
    // version "v1" or "v2"; tool_bug_rate: share of v2's tool calls with the wrong argument.
    generator(std::string version, double tool_bug_rate);

    generated generate(const generation_request& request) const;
    const std::string& version() const { return version_; }

private:
    std::string version_;
    double tool_bug_rate_;
    std::map<std::string, std::vector<std::string>> next_;  // word → followers, with repeats
    std::vector<std::string> starts_;
};

// A 64-bit FNV-1a hash, for deterministic choices.
std::uint64_t fnv1a(const std::string& text);

}  // namespace shadowproxy::examples::llm
