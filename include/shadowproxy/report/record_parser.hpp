// Parses one JSON-lines comparison record (docs/records.md) into the fields `report` uses, with
// simdjson's on-demand API (kept out of this header).
//
// One parser per reading thread; not thread-safe. parse() never throws on bad input: it returns
// false and says why in error(). Required: an object with string "request_id", a known
// "outcome", an object "production" and an object "shadow" with a string "name". Optional
// fields that are missing read as null; unknown fields are skipped.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowproxy/stats/feature_monitor.hpp"
#include "shadowproxy/stats/llm_agreement.hpp"
#include "shadowproxy/stats/shadow_accumulator.hpp"

namespace shadowproxy::report {

struct parsed_side {
    std::string prediction_key;               // stats::prediction_key(); empty = null or missing
    std::optional<double> prediction_number;  // the prediction, when it is a JSON number
    bool has_error = false;                   // "error" present and not null
    std::optional<double> latency_ms;
    unsigned status = 0;               // HTTP status; 0 when missing or null
    std::optional<int> grpc_status{};  // a gRPC answer's grpc-status, when recorded
    std::optional<double> ttfb_ms;     // absent in records written before it existed
    // The side's "llm" object (compare.mode openai), when present.
    bool has_llm = false;
    std::optional<double> ttft_ms, itl_ms_mean, tokens_per_s;
    std::string finish_reason;   // empty = null
    std::size_t tool_calls = 0;  // entries of its tool_calls array
};

struct parsed_feature {
    std::string name;       // object key; empty for array elements
    std::size_t index = 0;  // array position
    stats::feature_kind kind = stats::feature_kind::null;
    double value = 0.0;
};

struct parsed_record {
    enum class features_form { absent, null, array, object };

    std::string request_id;
    std::string shadow_name;
    std::string path;  // empty when missing
    std::string ts;    // as written; empty when missing
    stats::outcome result = stats::outcome::match;
    std::optional<bool> status_match;  // missing in old logs: derived from the statuses
    parsed_side production;
    parsed_side shadow;
    features_form form = features_form::absent;
    bool features_truncated = false;
    std::vector<parsed_feature> features;
    std::optional<stats::llm_agreement> llm_compare;  // when it has a text_similarity
    bool noise_reference = false;                     // "reference": "noise"
};

class record_parser {
public:
    record_parser();
    ~record_parser();
    record_parser(const record_parser&) = delete;
    record_parser& operator=(const record_parser&) = delete;

    // Fills out (reusing its storage) and returns true, or returns false for a malformed line.
    bool parse(std::string_view line, parsed_record& out);
    const std::string& error() const { return error_; }

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    std::string error_;
};

}  // namespace shadowproxy::report
