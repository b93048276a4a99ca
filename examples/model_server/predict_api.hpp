// The /predict contract of the example model servers, as a pure function of the request body.
//
// Owned by examples/: the HTTP server calls it on its worker threads; it touches nothing shared
// but the immutable model, so any thread may call it. Bad input never throws: it becomes a 400
// reply with a JSON body {"error": "..."}.
#pragma once

#include <string>
#include <string_view>

#include "model_server/model.hpp"

namespace shadowproxy::examples {

struct api_reply {
    unsigned status = 200;
    std::string body;  // JSON
};

// What "prediction" holds: the class index, or (score) the last class's probability, a float
// for regression comparisons.
enum class output_kind { label, score };

// {"features": [f0, …]} → {"prediction": <class>, "probability": <p>, "model_version": "…"};
// with output_kind::score → {"prediction": <p of the last class>, "model_version": "…"}.
api_reply handle_predict(const softmax_model& model, std::string_view body,
                         output_kind output = output_kind::label);

}  // namespace shadowproxy::examples
