#include "shadowproxy/llm/stream_observer.hpp"

#include <algorithm>

namespace shadowproxy::llm {

namespace {

// An event stream starts with a field or a comment; a JSON answer with '{' (after white space).
bool looks_like_event_stream(char first) {
    return first != '{' && first != '[';
}

}  // namespace

stream_observer::stream_observer(std::chrono::steady_clock::time_point started,
                                 std::size_t max_event_bytes)
    : started_(started), parser_(max_event_bytes) {}

void stream_observer::on_captured(std::string_view piece,
                                  std::chrono::steady_clock::time_point arrived) noexcept {
    if (form_ == form::unknown) {
        const std::size_t first = piece.find_first_not_of(" \t\r\n");
        if (first == std::string_view::npos) {
            return;  // white space only so far: cannot tell yet, and it carries no event
        }
        form_ = looks_like_event_stream(piece[first]) ? form::sse : form::other;
        seen_.sse = form_ == form::sse;
    }
    if (form_ != form::sse) {
        return;
    }
    parser_.feed(piece, events_);
    const double at_ms = std::chrono::duration<double, std::milli>(arrived - started_).count();
    for (const auto& data : events_) {
        if (!add_event(seen_.assembled, data)) {
            continue;
        }
        if (!seen_.first_content_ms) {
            seen_.first_content_ms = at_ms;
        } else {
            const double gap = at_ms - seen_.last_content_ms;
            ++seen_.gap_count;
            seen_.gap_sum_ms += gap;
            if (seen_.gaps_ms.size() < max_gaps) {
                seen_.gaps_ms.push_back(static_cast<float>(gap));
            }
        }
        seen_.last_content_ms = at_ms;
    }
}

std::shared_ptr<stream_observer> observer_for(const config::compare_config& settings,
                                              std::string_view path) {
    if (settings.mode != config::compare_mode::openai ||
        std::find(settings.openai.paths.begin(), settings.openai.paths.end(), path) ==
            settings.openai.paths.end()) {
        return nullptr;
    }
    // An event is never longer than the capture that holds it.
    return std::make_shared<stream_observer>(std::chrono::steady_clock::now(),
                                             std::max<std::size_t>(settings.max_body_bytes, 1));
}

}  // namespace shadowproxy::llm
