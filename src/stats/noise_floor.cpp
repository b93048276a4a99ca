#include "shadowproxy/stats/noise_floor.hpp"

#include <cmath>

namespace shadowproxy::stats {

namespace {

noise_gap gap_of(std::string_view metric, double floor, std::uint64_t floor_n, double floor_var,
                 double candidate, std::uint64_t candidate_n, double candidate_var) {
    noise_gap out{metric, floor, floor_n, candidate, candidate_n, floor - candidate, {}};
    const double half = z_95 * std::sqrt(floor_var / static_cast<double>(floor_n) +
                                         candidate_var / static_cast<double>(candidate_n));
    out.ci95 = {out.gap - half, out.gap + half};
    return out;
}

}  // namespace

std::optional<noise_gap> similarity_gap(const mean_summary& floor, const mean_summary& candidate) {
    if (!floor.mean || !candidate.mean) {
        return std::nullopt;
    }
    return gap_of("text_similarity", *floor.mean, floor.n, floor.variance.value_or(0),
                  *candidate.mean, candidate.n, candidate.variance.value_or(0));
}

std::optional<noise_gap> agreement_gap(std::uint64_t floor_agreements, std::uint64_t floor_n,
                                       std::uint64_t candidate_agreements,
                                       std::uint64_t candidate_n) {
    if (floor_n == 0 || candidate_n == 0) {
        return std::nullopt;
    }
    const double f = static_cast<double>(floor_agreements) / static_cast<double>(floor_n);
    const double c = static_cast<double>(candidate_agreements) / static_cast<double>(candidate_n);
    return gap_of("agreement", f, floor_n, f * (1 - f), c, candidate_n, c * (1 - c));
}

std::optional<noise_gap> gap_to_noise(const shadow_summary& noise, const llm_summary* noise_llm,
                                      const shadow_summary& candidate,
                                      const llm_summary* candidate_llm) {
    if (noise_llm != nullptr && candidate_llm != nullptr && noise_llm->compared > 0 &&
        candidate_llm->compared > 0) {
        return similarity_gap(noise_llm->text_similarity, candidate_llm->text_similarity);
    }
    return agreement_gap(noise.agreements, noise.agreement_n, candidate.agreements,
                         candidate.agreement_n);
}

}  // namespace shadowproxy::stats
