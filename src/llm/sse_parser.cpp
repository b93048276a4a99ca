#include "shadowproxy/llm/sse_parser.hpp"

#include <algorithm>

namespace shadowproxy::llm {

void sse_parser::feed(std::string_view bytes, std::vector<std::string>& events) {
    events.clear();
    if (bytes.empty()) {
        return;
    }
    std::size_t i = 0;
    if (after_cr_ && !bytes.empty() && bytes.front() == '\n') {
        i = 1;  // the rest of a "\r\n" cut between two pieces
    }
    after_cr_ = false;
    while (i < bytes.size()) {
        const std::size_t stop = bytes.find_first_of("\r\n", i);
        const std::size_t end = stop == std::string_view::npos ? bytes.size() : stop;
        if (!line_too_long_) {
            if (line_.size() + (end - i) > max_event_bytes_) {
                line_too_long_ = true;
                line_.clear();
            } else {
                line_.append(bytes.substr(i, end - i));
            }
        }
        if (stop == std::string_view::npos) {
            return;
        }
        end_line(events);
        i = stop + 1;
        if (bytes[stop] == '\r') {
            if (i == bytes.size()) {
                after_cr_ = true;
            } else if (bytes[i] == '\n') {
                ++i;
            }
        }
    }
}

void sse_parser::end_line(std::vector<std::string>& events) {
    if (line_too_long_) {
        line_too_long_ = false;
        event_too_long_ = true;
        return;
    }
    if (line_.empty()) {
        if (event_too_long_) {
            ++dropped_;
        } else if (has_data_) {
            events.push_back(std::move(data_));
        }
        data_.clear();
        has_data_ = false;
        event_too_long_ = false;
        return;
    }
    std::string_view line{line_};
    if (line.front() != ':') {
        const std::size_t colon = line.find(':');
        const std::string_view field = line.substr(0, colon);
        std::string_view value;
        if (colon != std::string_view::npos) {
            value = line.substr(colon + 1);
            if (!value.empty() && value.front() == ' ') {
                value.remove_prefix(1);
            }
        }
        if (field == "data" && !event_too_long_) {
            if (data_.size() + value.size() + 1 > max_event_bytes_) {
                event_too_long_ = true;
                data_.clear();
            } else {
                if (has_data_) {
                    data_.push_back('\n');
                }
                data_.append(value);
                has_data_ = true;
            }
        }
    }
    line_.clear();
}

}  // namespace shadowproxy::llm
