#include "shadowproxy/stats/classification.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace shadowproxy::stats {

namespace {

enum class key_kind { number, string, other, null };

key_kind kind_of(std::string_view key, double& number) {
    if (key.empty()) {
        return key_kind::null;
    }
    if (key.front() == '"') {
        return key_kind::string;
    }
    const char* end = key.data() + key.size();
    const auto [stop, code] = std::from_chars(key.data(), end, number);
    if (code == std::errc{} && stop == end) {
        return key_kind::number;
    }
    return key_kind::other;
}

// log of C(n, k) through lgamma, exact enough for the sums below at any n.
double log_choose(double n, double k) {
    return std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0);
}

}  // namespace

bool natural_key_less(std::string_view a, std::string_view b) {
    double x = 0.0;
    double y = 0.0;
    const key_kind ka = kind_of(a, x);
    const key_kind kb = kind_of(b, y);
    if (ka != kb) {
        return ka < kb;
    }
    if (ka == key_kind::number && x != y) {
        return x < y;
    }
    return a < b;
}

double mcnemar_exact_p(std::uint64_t b, std::uint64_t c) {
    const std::uint64_t n = b + c;
    if (n == 0) {
        return 1.0;
    }
    const std::uint64_t k = std::min(b, c);
    const auto total = static_cast<double>(n);
    const double log_half_n = total * std::log(0.5);
    double tail = 0.0;
    for (std::uint64_t i = 0; i <= k; ++i) {
        tail += std::exp(log_choose(total, static_cast<double>(i)) + log_half_n);
    }
    return std::min(1.0, 2.0 * tail);
}

void class_scores::add(std::string_view label, std::string_view prediction) {
    ++pairs_[{std::string(label), std::string(prediction)}];
}

std::vector<class_score> class_scores::summarize() const {
    std::map<std::string, class_score> by_key;
    for (const auto& [pair, count] : pairs_) {
        const auto& [label, prediction] = pair;
        if (!label.empty()) {
            auto& s = by_key[label];
            s.support += count;
            s.true_positives += label == prediction ? count : 0;
        }
        if (!prediction.empty()) {
            by_key[prediction].predicted += count;
        }
    }
    std::vector<class_score> out;
    for (auto& [key, score] : by_key) {
        score.key = key;
        const auto tp = static_cast<double>(score.true_positives);
        if (score.predicted > 0) {
            score.precision = tp / static_cast<double>(score.predicted);
        }
        if (score.support > 0) {
            score.recall = tp / static_cast<double>(score.support);
        }
        if (score.precision && score.recall) {
            const double sum = *score.precision + *score.recall;
            score.f1 = sum == 0.0 ? 0.0 : 2.0 * *score.precision * *score.recall / sum;
        }
        out.push_back(std::move(score));
    }
    std::sort(out.begin(), out.end(), [](const class_score& a, const class_score& b) {
        return natural_key_less(a.key, b.key);
    });
    return out;
}

void paired_correctness::add(bool production_correct, bool shadow_correct) {
    if (production_correct && shadow_correct) {
        ++both;
    } else if (production_correct) {
        ++production_only;
    } else if (shadow_correct) {
        ++shadow_only;
    } else {
        ++neither;
    }
}

}  // namespace shadowproxy::stats
