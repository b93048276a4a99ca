// A hook on the bounded capture of an answer's body (body_capture): it sees each kept piece as
// it arrives, with its arrival time, so a protocol adapter (the LLM stream observer) can time
// events live instead of re-reading the body at the end.
//
// Called on the thread that reads the answer (a worker for production, the mirror thread for a
// shadow), synchronously from body_capture::append; the observer must be cheap and must not
// throw. Whoever sets it keeps it alive until the capture is done. No capture has one unless
// it was asked for (compare.mode openai on a matching path), so the JSON path pays nothing.
#pragma once

#include <chrono>
#include <string_view>

namespace shadowproxy::upstream {

class capture_observer {
public:
    virtual ~capture_observer() = default;
    virtual void on_captured(std::string_view piece,
                             std::chrono::steady_clock::time_point arrived) noexcept = 0;
};

}  // namespace shadowproxy::upstream
