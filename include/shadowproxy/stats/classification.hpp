// Classification statistics against ground truth: per-class precision, recall and F1 of one
// side, McNemar's exact test on the paired correct/incorrect table of two sides, and the natural
// order of class keys (numbers numerically, then strings, then anything else).
//
// class_scores is owned by one thread (report's reader); not thread-safe; memory grows with the
// distinct (label, prediction) pairs. The free functions are pure, any thread. Nothing throws
// except std::bad_alloc.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shadowproxy::stats {

// Orders prediction_key()s: numbers by value (then by key), strings by text, then the rest by
// key; the empty key (null) last.
bool natural_key_less(std::string_view a, std::string_view b);

// Two-sided exact McNemar test: b pairs where only the first side is correct, c where only the
// second is. p = min(1, 2 * P(X <= min(b, c))) for X ~ Binomial(b + c, 1/2); 1 when b + c == 0.
double mcnemar_exact_p(std::uint64_t b, std::uint64_t c);

struct class_score {
    std::string key;              // prediction_key() of the class
    std::uint64_t support = 0;    // records whose label is this class
    std::uint64_t predicted = 0;  // records predicted as this class
    std::uint64_t true_positives = 0;
    std::optional<double> precision;  // tp / predicted; undefined when never predicted
    std::optional<double> recall;     // tp / support; undefined without support
    std::optional<double> f1;         // harmonic mean; 0 when both are 0, undefined if either is
};

// Counts (label, prediction) pairs of one side; a null prediction counts against the label's
// recall but is no class of its own.
class class_scores {
public:
    void add(std::string_view label, std::string_view prediction);
    // Every class seen as a label or a prediction, in natural order.
    std::vector<class_score> summarize() const;

private:
    std::map<std::pair<std::string, std::string>, std::uint64_t> pairs_;
};

// The paired correct/incorrect table of production and shadow on labelled records.
struct paired_correctness {
    std::uint64_t both = 0, production_only = 0, shadow_only = 0, neither = 0;
    void add(bool production_correct, bool shadow_correct);
    std::uint64_t n() const { return both + production_only + shadow_only + neither; }
    double mcnemar_p() const { return mcnemar_exact_p(production_only, shadow_only); }
};

}  // namespace shadowproxy::stats
