#include "llm_server/openai_api.hpp"

#include <nlohmann/json.hpp>

namespace shadowproxy::examples::llm {

namespace {

using json = nlohmann::json;

api_reply error_reply(const std::string& message) {
    return {400,
            false,
            json{{"error", {{"message", message}, {"type", "invalid_request_error"}}}}.dump(),
            {}};
}

// The last user message's text (chat) or the prompt (completions).
std::string prompt_of(const json& request, bool chat) {
    if (!chat) {
        const auto prompt = request.find("prompt");
        return prompt != request.end() && prompt->is_string() ? prompt->get<std::string>() : "";
    }
    std::string text;
    const auto messages = request.find("messages");
    if (messages != request.end() && messages->is_array()) {
        for (const auto& m : *messages) {
            if (m.is_object() && m.value("role", "") == "user" && m.contains("content") &&
                m["content"].is_string()) {
                text = m["content"].get<std::string>();
            }
        }
    }
    return text;
}

bool offers_weather_tool(const json& request) {
    const auto tools = request.find("tools");
    if (tools == request.end() || !tools->is_array()) {
        return false;
    }
    for (const auto& tool : *tools) {
        if (tool.is_object() && tool.contains("function") && tool["function"].is_object() &&
            tool["function"].value("name", "") == "get_weather") {
            return true;
        }
    }
    return false;
}

std::string joined(const std::vector<std::string>& tokens) {
    std::string out;
    for (const auto& t : tokens) {
        out += t;
    }
    return out;
}

json tool_calls_json(const generated& answer, bool with_index) {
    json call = {{"id", "call_0"},
                 {"type", "function"},
                 {"function", {{"name", "get_weather"}, {"arguments", *answer.tool_arguments}}}};
    if (with_index) {
        call["index"] = 0;
    }
    return json::array({call});
}

std::string event(const json& chunk) {
    return "data: " + chunk.dump() + "\n\n";
}

}  // namespace

api_reply handle_completion(const generator& model, std::string_view body, bool chat) {
    const json request = json::parse(body, nullptr, false);
    if (request.is_discarded() || !request.is_object()) {
        return error_reply("the body is not a JSON object");
    }
    generation_request ask;
    ask.prompt = prompt_of(request, chat);
    if (const auto t = request.find("temperature"); t != request.end() && t->is_number()) {
        ask.temperature = t->get<double>();
    }
    if (const auto s = request.find("seed"); s != request.end() && s->is_number_unsigned()) {
        ask.seed = s->get<std::uint64_t>();
    }
    if (const auto m = request.find("max_tokens"); m != request.end() && m->is_number_unsigned()) {
        ask.max_tokens = std::min<std::size_t>(m->get<std::size_t>(), 4096);
    }
    ask.weather_tool = chat && offers_weather_tool(request);
    const generated answer = model.generate(ask);
    const std::string id = "cmpl-" + std::to_string(fnv1a(ask.prompt) % 1000000);
    const std::string object = chat ? "chat.completion" : "text_completion";
    const json usage = {
        {"prompt_tokens", ask.prompt.size() / 4 + 1},
        {"completion_tokens", answer.tokens.size() + (answer.tool_arguments ? 1 : 0)},
        {"total_tokens", 0}};
    const std::string model_name = "example-llm-" + model.version();

    api_reply reply;
    reply.stream = request.value("stream", false);
    if (!reply.stream) {
        json choice = {{"index", 0}, {"finish_reason", answer.finish_reason}};
        if (chat) {
            json message = {{"role", "assistant"}, {"content", joined(answer.tokens)}};
            if (answer.tool_arguments) {
                message["content"] = nullptr;
                message["tool_calls"] = tool_calls_json(answer, false);
            }
            choice["message"] = message;
        } else {
            choice["text"] = joined(answer.tokens);
        }
        reply.body = json{
            {"id", id},
            {"object", object},
            {"model", model_name},
            {"choices", {choice}},
            {"usage",
             usage}}.dump();
        return reply;
    }
    const std::string chunk_object = chat ? "chat.completion.chunk" : "text_completion";
    const auto chunk = [&](json choice) {
        return json{{"id", id},
                    {"object", chunk_object},
                    {"model", model_name},
                    {"choices", json::array({std::move(choice)})}};
    };
    reply.events.push_back(": keep-alive\n\n");
    if (chat) {
        reply.events.push_back(event(chunk({{"index", 0}, {"delta", {{"role", "assistant"}}}})));
    }
    for (const auto& token : answer.tokens) {
        reply.events.push_back(event(chat ? chunk({{"index", 0}, {"delta", {{"content", token}}}})
                                          : chunk({{"index", 0}, {"text", token}})));
    }
    if (answer.tool_arguments) {
        reply.events.push_back(event(
            chunk({{"index", 0}, {"delta", {{"tool_calls", tool_calls_json(answer, true)}}}})));
    }
    reply.events.push_back(event(
        chunk({{"index", 0}, {"delta", json::object()}, {"finish_reason", answer.finish_reason}})));
    const auto options = request.find("stream_options");
    if (options != request.end() && options->is_object() &&
        options->value("include_usage", false)) {
        reply.events.push_back(event(json{
            {"id", id}, {"object", chunk_object}, {"choices", json::array()}, {"usage", usage}}));
    }
    reply.events.push_back("data: [DONE]\n\n");
    return reply;
}

}  // namespace shadowproxy::examples::llm
