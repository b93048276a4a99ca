#include "llm_server/generator.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

namespace shadowproxy::examples::llm {

namespace {

// The corpus: every combination of these parts is one sentence; v2 swaps some words.
const std::vector<std::string> subjects{"the model", "a shadow", "the proxy", "our service",
                                        "the candidate"};
const std::vector<std::string> verbs{"answers", "streams", "compares", "mirrors", "measures"};
const std::vector<std::string> objects{"every request", "the tokens", "live traffic", "the latency",
                                       "each answer"};
const std::vector<std::string> endings{"quickly .", "without risk .", "in production .",
                                       "with care ."};

std::string swap_v2(const std::string& word) {
    if (word == "quickly") {
        return "rapidly";
    }
    if (word == "answers") {
        return "replies";
    }
    if (word == "traffic") {
        return "requests";
    }
    return word;
}

std::vector<std::string> words_of(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string w; in >> w;) {
        out.push_back(w);
    }
    return out;
}

// The city in "... weather in Paris ...", or empty.
std::string city_of(const std::string& prompt) {
    const auto words = words_of(prompt);
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
        if (words[i] == "in") {
            std::string city = words[i + 1];
            city.erase(std::remove_if(city.begin(), city.end(),
                                      [](char c) { return c == '?' || c == '.' || c == ','; }),
                       city.end());
            return city;
        }
    }
    return "Paris";
}

}  // namespace

std::uint64_t fnv1a(const std::string& text) {
    std::uint64_t hash = 1469598103934665603ULL;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    return hash;
}

generator::generator(std::string version, double tool_bug_rate)
    : version_(std::move(version)), tool_bug_rate_(tool_bug_rate) {
    const bool v2 = version_ == "v2";
    for (const auto& s : subjects) {
        for (const auto& v : verbs) {
            for (const auto& o : objects) {
                for (const auto& e : endings) {
                    auto words = words_of(s + " " + v + " " + o + " " + e);
                    if (v2) {
                        std::transform(words.begin(), words.end(), words.begin(), swap_v2);
                    }
                    starts_.push_back(words.front());
                    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
                        next_[words[i]].push_back(words[i + 1]);
                    }
                    next_["."].push_back(words.front());
                }
            }
        }
    }
    std::sort(starts_.begin(), starts_.end());
    starts_.erase(std::unique(starts_.begin(), starts_.end()), starts_.end());
}

generated generator::generate(const generation_request& request) const {
    generated out;
    const std::uint64_t prompt_hash = fnv1a(request.prompt);
    if (request.weather_tool && request.prompt.find("weather") != std::string::npos) {
        const std::string city = city_of(request.prompt);
        const bool bug =
            version_ == "v2" && static_cast<double>(prompt_hash % 1000) / 1000.0 < tool_bug_rate_;
        out.tool_arguments =
            std::string("{\"") + (bug ? "location" : "city") + "\":\"" + city + "\"}";
        out.finish_reason = "tool_calls";
        return out;
    }
    // Temperature 0: the same prompt always gives the same answer, on any instance. Above 0:
    // the request's seed, or a fresh one, so two instances disagree like sampled models do.
    std::uint64_t seed = prompt_hash;
    if (request.temperature > 0) {
        seed = request.seed ? *request.seed ^ prompt_hash : std::random_device{}();
    }
    std::mt19937_64 random(seed);
    const double sharpness = request.temperature > 0 ? 1.0 / request.temperature : 1.0;
    // v2 answers are a quarter shorter: a visible length ratio.
    const std::size_t limit = version_ == "v2"
                                  ? std::max<std::size_t>(1, request.max_tokens * 3 / 4)
                                  : request.max_tokens;
    std::string word = starts_[prompt_hash % starts_.size()];
    std::size_t sentences = 0;
    while (out.tokens.size() < limit) {
        out.tokens.push_back(out.tokens.empty() ? word : (word == "." ? "." : " " + word));
        if (word == "." && ++sentences >= 2) {
            out.finish_reason = "stop";
            return out;
        }
        const auto& followers = next_.at(word);
        // Weight each distinct follower by its count raised to 1/temperature.
        std::map<std::string, double> weights;
        for (const auto& f : followers) {
            weights[f] += 1.0;
        }
        std::vector<std::string> names;
        std::vector<double> values;
        for (const auto& [name, count] : weights) {
            names.push_back(name);
            values.push_back(std::pow(count, sharpness));
        }
        std::discrete_distribution<std::size_t> pick(values.begin(), values.end());
        word = names[pick(random)];
    }
    out.finish_reason = "length";
    return out;
}

}  // namespace shadowproxy::examples::llm
