#include "support/fake_openai.hpp"

#include <nlohmann/json.hpp>
#include <thread>

namespace shadowproxy::testing {

std::string chat_delta(const std::string& content) {
    const nlohmann::json chunk = {{"object", "chat.completion.chunk"},
                                  {"choices", {{{"index", 0}, {"delta", {{"content", content}}}}}}};
    return "data: " + chunk.dump() + "\n\n";
}

std::vector<std::string> chat_end(const std::string& finish_reason, int completion_tokens) {
    std::vector<std::string> out;
    const nlohmann::json last = {
        {"object", "chat.completion.chunk"},
        {"choices",
         {{{"index", 0}, {"delta", nlohmann::json::object()}, {"finish_reason", finish_reason}}}}};
    out.push_back("data: " + last.dump() + "\n\n");
    if (completion_tokens >= 0) {
        const nlohmann::json usage = {{"choices", nlohmann::json::array()},
                                      {"usage", {{"completion_tokens", completion_tokens}}}};
        out.push_back("data: " + usage.dump() + "\n\n");
    }
    out.push_back("data: [DONE]\n\n");
    return out;
}

stream_answer sse_answer(sse_script script, std::shared_ptr<upstream_notes> notes) {
    return [script = std::move(script), notes](const std::string&, stream_connection& out) {
        if (notes) {
            ++notes->requests;
        }
        const auto failed = [&] {
            if (notes) {
                ++notes->write_failures;
            }
            return false;
        };
        if (!out.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n")) {
            return failed();
        }
        for (std::size_t i = 0; i < script.events.size(); ++i) {
            if (static_cast<int>(i) == script.drop_after) {
                return false;  // closes the connection without the last chunk
            }
            if (i > 0) {
                std::this_thread::sleep_for(script.delay);
            }
            const std::string& event = script.events[i];
            const std::size_t cut =
                script.split_from_end < event.size() ? event.size() - script.split_from_end : 0;
            if (script.split_from_end > 0 && cut > 0) {
                if (!out.write_chunk(event.substr(0, cut))) {
                    return failed();
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
                if (!out.write_chunk(event.substr(cut))) {
                    return failed();
                }
            } else if (!out.write_chunk(event)) {
                return failed();
            }
        }
        return out.write_chunk("");
    };
}

stream_answer json_answer(std::string body) {
    return [body = std::move(body)](const std::string&, stream_connection& out) {
        return out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body);
    };
}

}  // namespace shadowproxy::testing
