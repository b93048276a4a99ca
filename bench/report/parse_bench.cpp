// Parsing cost per comparison record: nlohmann::json::parse plus field extraction, against the
// report's simdjson on-demand record_parser, over the lines of one log. Prints ns per line.
// Built and run by bench/report/run.sh; not part of the CMake build.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shadowproxy/report/record_parser.hpp"
#include "shadowproxy/stats/prediction_key.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

double per_line_ns(clock_type::time_point start, std::size_t lines) {
    const auto ns = std::chrono::duration<double, std::nano>(clock_type::now() - start).count();
    return ns / static_cast<double>(lines);
}

// The same fields record_parser extracts, the straightforward way.
bool parse_with_nlohmann(const std::string& line, shadowproxy::report::parsed_record& out) {
    const auto doc = nlohmann::json::parse(line, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        return false;
    }
    out.request_id = doc.value("request_id", "");
    out.shadow_name = doc.at("shadow").value("name", "");
    for (const char* side : {"production", "shadow"}) {
        const auto& s = doc.at(side);
        auto& parsed = std::string(side) == "shadow" ? out.shadow : out.production;
        const auto prediction = s.find("prediction");
        parsed.prediction_key =
            shadowproxy::stats::prediction_key(prediction == s.end() ? nullptr : *prediction);
        parsed.has_error = s.contains("error") && !s["error"].is_null();
        if (s.contains("latency_ms") && s["latency_ms"].is_number()) {
            parsed.latency_ms = s["latency_ms"].get<double>();
        }
    }
    out.features.clear();
    if (doc.contains("features") && doc["features"].is_array()) {
        for (const auto& v : doc["features"]) {
            out.features.push_back({{},
                                    out.features.size(),
                                    v.is_number() ? shadowproxy::stats::feature_kind::number
                                                  : shadowproxy::stats::feature_kind::null,
                                    v.is_number() ? v.get<double>() : 0.0});
        }
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: parse_bench LOG\n");
        return 2;
    }
    std::ifstream in(argv[1]);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line) && lines.size() < 200000;) {
        lines.push_back(std::move(line));
    }
    shadowproxy::report::parsed_record record;
    std::size_t ok = 0;
    auto start = clock_type::now();
    for (const auto& line : lines) {
        ok += parse_with_nlohmann(line, record) ? 1 : 0;
    }
    std::printf("nlohmann: %.0f ns/line (%zu of %zu parsed)\n", per_line_ns(start, lines.size()),
                ok, lines.size());
    shadowproxy::report::record_parser parser;
    ok = 0;
    start = clock_type::now();
    for (const auto& line : lines) {
        ok += parser.parse(line, record) ? 1 : 0;
    }
    std::printf("simdjson on-demand: %.0f ns/line (%zu of %zu parsed)\n",
                per_line_ns(start, lines.size()), ok, lines.size());
    return 0;
}
