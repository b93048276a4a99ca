// A multinomial logistic regression, softmax(W·x + b), as the example model servers run it.
//
// Owned by examples/: the demo, docker/ and k8s/ serve two versions of it behind shadowproxy.
// A loaded model is an immutable value, so any thread may call predict() on a shared instance.
// Loading fails with model_error naming the file and the field at fault; predict() is pure and
// checks nothing beyond what its precondition states.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace shadowproxy::examples {

class model_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct softmax_model {
    std::string version;                       // "model_version" in the weights file
    std::vector<std::string> feature_names;    // one per input column
    std::vector<std::vector<double>> weights;  // one row per class, one column per feature
    std::vector<double> bias;                  // one per class
};

struct prediction {
    int label = 0;             // index of the most probable class (the first one on a tie)
    double probability = 0.0;  // its softmax probability
};

// Reads {"model_version", "features", "weights", "bias"}; every row must have one weight per
// feature and there must be at least two classes. Throws model_error.
softmax_model parse_model(const nlohmann::json& document);
softmax_model load_model(const std::string& path);

// Precondition: features.size() == model.feature_names.size().
prediction predict(const softmax_model& model, std::span<const double> features);

// The softmax probability of every class, in class order. Same precondition.
std::vector<double> class_probabilities(const softmax_model& model,
                                        std::span<const double> features);

// The softmax probability of the last class (the "churn" score of the example models): a
// continuous output, to demonstrate regression comparisons. Same precondition.
double last_class_probability(const softmax_model& model, std::span<const double> features);

}  // namespace shadowproxy::examples
