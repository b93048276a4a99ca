// The comparator (docs/records.md): turns a production and a shadow answer to the same request into
// an outcome, the two predictions and a bounded list of leaf diffs.
//
// Built from compare_config on load/reload and immutable afterwards, so the shadow thread (or
// any thread) may call compare() concurrently. It never throws on any body (bad JSON, invalid
// UTF-8, deep nesting) except std::bad_alloc.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowproxy/compare/json_pointer.hpp"
#include "shadowproxy/compare/json_values.hpp"
#include "shadowproxy/config/config.hpp"
#include "shadowproxy/words/words.hpp"

namespace shadowproxy::compare {

// Why an exchange produced no valid HTTP response, and the outcome: words/words.hpp.
using words::all_outcomes;
using words::exchange_error;
using words::outcome;
using words::to_string;

// How a body is read: as JSON (an answer that is not JSON is compared byte for byte), or as
// the one gRPC message of a ModelInfer call, decoded to its JSON view (oip/tensor_view.hpp).
enum class body_kind : std::uint8_t { json, grpc_model_infer };

// One upstream's answer as the proxy saw it.
struct side_response {
    std::optional<exchange_error> error;  // none when a valid HTTP response came
    unsigned status = 0;                  // 0 with an error
    std::string_view body;    // the body, or its first compare.max_body_bytes when truncated
    double latency_ms = 0;    // to the last byte
    double ttfb_ms = 0;       // to the first byte
    std::uint64_t bytes = 0;  // the whole body's length (at least body.size())
    bool truncated = false;   // body is only a prefix of the answer
    body_kind kind = body_kind::json;
    std::optional<int> grpc_status{};  // a gRPC answer's grpc-status (trailers or trailers-only)
};

struct diff_entry {
    std::string pointer;        // RFC 6901, escaped
    nlohmann::json production;  // null when missing on that side
    nlohmann::json shadow;
    std::optional<std::string> missing;  // "production" | "shadow"
};

struct comparison {
    outcome result = outcome::match;
    bool prediction_match = false;
    bool status_match = false;
    bool body_match = false;
    bool body_compared = true;  // false when a side was truncated: body_match means nothing
    // value at prediction_pointer (or of compare.grpc.prediction_output) or null
    nlohmann::json production_prediction;
    nlohmann::json shadow_prediction;
    std::vector<diff_entry> diffs;  // at most max_diffs
};

// Rules beyond docs/records.md's  text, chosen here:
// * Outcome precedence: production_error, shadow_error, status_mismatch, then the bodies. With
//   status_mismatch both sides answered, so body_match, diffs and prediction_match are still
//   computed and reported; only the outcome says the statuses differ.
// * Arrays of different length get one entry at the array's pointer whose production/shadow
//   values are the two lengths (bounded, unlike the whole arrays), then entries for the common
//   prefix; elements past it are covered by that entry.
// * Below max_json_depth levels a subtree is compared as one value and reported at its pointer.
// * If either body is not JSON, the bodies are compared byte for byte; a difference is one entry
//   at pointer "" holding both bodies as strings cut to 256 bytes.
// * diffs stop at max_diffs; body_match still reflects every difference.
// * With compare.grpc.prediction_output set, predictions come from that output tensor
//   (tensor_prediction.hpp) instead of prediction_pointer; a truncated side then has none.
// * A truncated side (an answer longer than compare.max_body_bytes) leaves the bodies
//   uncompared (body_compared false, no diffs); predictions are read from the kept prefix when
//   it holds them whole (find_in_prefix). The outcome is then status_mismatch when the statuses
//   differ, else prediction_match/prediction_mismatch when both predictions were found, else
//   match: the statuses agree and nothing more could be compared.
class comparator {
public:
    explicit comparator(const config::compare_config& settings);  // pointers already validated

    // Equal JSON bodies and failed exchanges are decided by the fast path (a simdjson parse,
    // no documents built: src/compare/fast_compare.hpp); everything else by compare_documents.
    comparison compare(const side_response& production, const side_response& shadow) const;

    // The comparison through two parsed nlohmann documents, which writes the diffs. compare()
    // always answers exactly as this does (the unit tests hold the two together).
    comparison compare_documents(const side_response& production,
                                 const side_response& shadow) const;

private:
    comparison compare_truncated(const side_response& production,
                                 const side_response& shadow) const;
    std::optional<nlohmann::json> prediction_of(const side_response& side) const;
    // The prediction in a document: a pointer into it (prediction_pointer: no copy, a
    // prediction may be a deep subtree), or into `reduced` (compare.grpc's tensor reduction).
    const nlohmann::json* prediction_in(const nlohmann::json& document,
                                        std::optional<nlohmann::json>& reduced) const;

    std::optional<json_pointer> prediction_pointer_;
    config::grpc_compare_config tensor_prediction_;
    std::vector<json_pointer> ignore_pointers_;
    tolerance tolerance_;
    std::size_t max_diffs_;
};

// Longest prefix of text of at most max_bytes that does not split a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

}  // namespace shadowproxy::compare
