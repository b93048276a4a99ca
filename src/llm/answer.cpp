#include "shadowproxy/llm/answer.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace shadowproxy::llm {

namespace {

using json = nlohmann::json;

std::string_view string_at(const json& object, const char* key) {
    if (!object.is_object()) {
        return {};
    }
    const auto found = object.find(key);
    if (found == object.end() || !found->is_string()) {
        return {};
    }
    return found->get_ref<const std::string&>();
}

std::optional<std::size_t> index_of(const json& object, std::size_t fallback) {
    const auto found = object.find("index");
    if (found == object.end()) {
        return fallback;
    }
    if (!found->is_number_unsigned()) {
        return std::nullopt;
    }
    return found->get<std::size_t>();
}

void read_usage(answer& out, const json& doc) {
    const auto usage = doc.find("usage");
    if (usage == doc.end() || !usage->is_object()) {
        return;
    }
    const auto tokens = usage->find("completion_tokens");
    if (tokens != usage->end() && tokens->is_number_unsigned()) {
        out.completion_tokens = tokens->get<std::uint64_t>();
    }
}

void read_finish(choice& target, const json& part) {
    const auto finish = part.find("finish_reason");
    if (finish != part.end() && finish->is_string()) {
        target.finish_reason = finish->get<std::string>();
    }
}

// Tool calls of a message (whole) or a delta (pieces joined by their index). True when any
// piece came.
bool read_tool_calls(choice& target, const json& message, bool streamed) {
    const auto calls = message.find("tool_calls");
    if (calls == message.end() || !calls->is_array()) {
        return false;
    }
    bool any = false;
    std::size_t position = 0;
    for (const auto& call : *calls) {
        if (!call.is_object()) {
            continue;
        }
        const auto index = streamed ? index_of(call, position) : std::optional{position};
        ++position;
        if (!index || *index >= max_tool_calls) {
            continue;
        }
        if (target.tool_calls.size() <= *index) {
            target.tool_calls.resize(*index + 1);
        }
        auto& slot = target.tool_calls[*index];
        const auto function = call.find("function");
        if (function == call.end() || !function->is_object()) {
            continue;
        }
        const std::string_view name = string_at(*function, "name");
        const std::string_view arguments = string_at(*function, "arguments");
        slot.name.append(name);
        slot.arguments.append(arguments);
        any = any || !name.empty() || !arguments.empty();
    }
    return any;
}

// One element of "choices"; true when it carried content.
bool read_choice(answer& out, const json& part, std::size_t position, bool streamed) {
    if (!part.is_object()) {
        return false;
    }
    const auto index = index_of(part, position);
    choice* target = index ? out.at(*index) : nullptr;
    if (target == nullptr) {
        return false;
    }
    read_finish(*target, part);
    bool content = false;
    const std::string_view text = string_at(part, "text");
    target->text.append(text);
    content = !text.empty();
    const auto message = part.find(streamed ? "delta" : "message");
    if (message != part.end() && message->is_object()) {
        const std::string_view piece = string_at(*message, "content");
        target->text.append(piece);
        content = !piece.empty() || content;
        content = read_tool_calls(*target, *message, streamed) || content;
    }
    return content;
}

bool read_document(answer& out, const json& doc, bool streamed) {
    if (!doc.is_object()) {
        return false;
    }
    const auto choices = doc.find("choices");
    const bool has_choices = choices != doc.end() && choices->is_array();
    if (!has_choices && doc.find("usage") == doc.end()) {
        return false;
    }
    out.valid = true;
    read_usage(out, doc);
    bool content = false;
    if (has_choices) {
        std::size_t position = 0;
        for (const auto& part : *choices) {
            content = read_choice(out, part, position++, streamed) || content;
        }
    }
    return content;
}

}  // namespace

choice* answer::at(std::size_t index) {
    if (index >= max_choices) {
        return nullptr;
    }
    auto found = std::lower_bound(choices.begin(), choices.end(), index,
                                  [](const choice& c, std::size_t i) { return c.index < i; });
    if (found == choices.end() || found->index != index) {
        found = choices.insert(found, choice{});
        found->index = index;
    }
    return &*found;
}

const choice* answer::find(std::size_t index) const {
    const auto found = std::lower_bound(choices.begin(), choices.end(), index,
                                        [](const choice& c, std::size_t i) { return c.index < i; });
    return found != choices.end() && found->index == index ? &*found : nullptr;
}

bool add_event(answer& out, std::string_view data) {
    out.streamed = true;
    if (data == "[DONE]") {
        out.done = true;
        return false;
    }
    const json doc = json::parse(data, nullptr, false);
    if (doc.is_discarded() || !read_document(out, doc, true)) {
        return false;
    }
    ++out.content_events;
    return true;
}

answer assemble_body(std::string_view body) {
    answer out;
    const json doc = json::parse(body, nullptr, false);
    if (!doc.is_discarded()) {
        read_document(out, doc, false);
    }
    return out;
}

}  // namespace shadowproxy::llm
