// Times text_similarity and token_f1 on long generated answers (the bound of
// compare.openai.max_similarity_chars at work): two ~100 KB texts that differ in scattered words,
// in their middle only (the common prefix and suffix cut makes that cheap), and entirely.
// Built and run by bench/llm/run.sh; prints one line per case. Not a test: no assertion.
#include <chrono>
#include <cstdio>
#include <string>

#include "shadowproxy/llm/text_metrics.hpp"

namespace {

std::string words(std::size_t bytes, unsigned seed, unsigned change_every) {
    static const char* vocabulary[] = {"the",    "model",  "streams",  "tokens",  "to",      "a",
                                       "client", "shadow", "compares", "latency", "ünïcödé", "😀"};
    std::string out;
    unsigned x = seed;
    for (unsigned i = 0; out.size() < bytes; ++i) {
        x = x * 1103515245U + 12345U;
        const bool changed = change_every != 0 && i % change_every == 0;
        out += vocabulary[((x >> 16) + (changed ? 1 : 0)) % 12];
        out += ' ';
    }
    return out;
}

void time_case(const char* name, const std::string& a, const std::string& b, std::size_t bound) {
    const auto start = std::chrono::steady_clock::now();
    const auto result = shadowproxy::llm::similarity(a, b, bound);
    const auto middle = std::chrono::steady_clock::now();
    const double f1 = shadowproxy::llm::token_f1(a, b);
    const auto end = std::chrono::steady_clock::now();
    const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    std::printf(
        "%-44s %7zu/%7zu bytes  bound %6zu  similarity %.4f%s in %8.2f ms, F1 %.4f in %6.2f ms\n",
        name, a.size(), b.size(), bound, result.value, result.estimated ? " (est.)" : "",
        ms(middle - start), f1, ms(end - middle));
}

}  // namespace

int main() {
    const std::string base = words(100 * 1024, 7, 0);
    const std::string scattered = words(100 * 1024, 7, 50);
    std::string middle = base;
    middle.replace(middle.size() / 2, 2000, std::string(2000, 'x'));
    const std::string other = words(100 * 1024, 99, 0);
    for (const std::size_t bound : {1024UL, 4096UL, 16384UL}) {
        time_case("100 KB, identical", base, base, bound);
        time_case("100 KB, 2 KB changed in the middle", base, middle, bound);
        time_case("100 KB, a word in 50 changed", base, scattered, bound);
        time_case("100 KB, unrelated", base, other, bound);
    }
    return 0;
}
