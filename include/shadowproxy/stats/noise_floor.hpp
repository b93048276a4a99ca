// The noise floor (compare.noise_reference): how much production disagrees with a second
// instance of itself, beside how much the candidate disagrees with production, and the gap
// between the two with a 95% interval. In openai mode the measure is the mean text similarity,
// in json mode the prediction agreement rate.
//
// Pure functions; any thread; they never throw.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "shadowproxy/stats/agreement.hpp"
#include "shadowproxy/stats/llm_accumulator.hpp"
#include "shadowproxy/stats/shadow_accumulator.hpp"

namespace shadowproxy::stats {

struct noise_gap {
    std::string_view metric;  // "text_similarity" or "agreement"
    double floor = 0;         // production vs its second instance
    std::uint64_t floor_n = 0;
    double candidate = 0;  // production vs the shadow
    std::uint64_t candidate_n = 0;
    double gap = 0;       // floor - candidate: how much worse than noise the candidate is
    interval ci95{0, 0};  // normal approximation of a difference of independent means
};

// Both means must be known; none otherwise.
std::optional<noise_gap> similarity_gap(const mean_summary& floor, const mean_summary& candidate);

// Agreement counts; none when either n is 0.
std::optional<noise_gap> agreement_gap(std::uint64_t floor_agreements, std::uint64_t floor_n,
                                       std::uint64_t candidate_agreements,
                                       std::uint64_t candidate_n);

// The candidate's gap to the noise floor: on the mean text similarity when both compared
// generated text, else on the agreement rate. The llm summaries may be null.
std::optional<noise_gap> gap_to_noise(const shadow_summary& noise, const llm_summary* noise_llm,
                                      const shadow_summary& candidate,
                                      const llm_summary* candidate_llm);

}  // namespace shadowproxy::stats
