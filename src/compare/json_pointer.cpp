#include "shadowproxy/compare/json_pointer.hpp"

namespace shadowproxy::compare {

namespace {

// Steps one token down from value, or returns nullptr when the token names nothing there.
template <typename Json>
Json* step(Json& value, const std::string& token) {
    if (value.is_object()) {
        auto it = value.find(token);
        return it == value.end() ? nullptr : &*it;
    }
    if (value.is_array()) {
        auto index = parse_array_index(token);
        if (!index || *index >= value.size()) {
            return nullptr;
        }
        return &value[*index];
    }
    return nullptr;
}

}  // namespace

std::optional<std::size_t> parse_array_index(std::string_view token) {
    // 18 digits always fit in size_t; longer indices cannot exist in a body we could hold.
    if (token.empty() || token.size() > 18 || (token.size() > 1 && token[0] == '0')) {
        return std::nullopt;
    }
    std::size_t index = 0;
    for (char c : token) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        index = index * 10 + static_cast<std::size_t>(c - '0');
    }
    return index;
}

std::optional<json_pointer> json_pointer::parse(std::string_view text) {
    std::vector<std::string> tokens;
    if (text.empty()) {
        return json_pointer(std::string(), std::move(tokens));
    }
    if (text[0] != '/') {
        return std::nullopt;
    }
    std::string current;
    for (std::size_t i = 1; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '/') {
            tokens.push_back(std::move(current));
            current.clear();
            continue;
        }
        if (text[i] != '~') {
            current.push_back(text[i]);
            continue;
        }
        if (i + 1 >= text.size() || (text[i + 1] != '0' && text[i + 1] != '1')) {
            return std::nullopt;
        }
        current.push_back(text[i + 1] == '0' ? '~' : '/');
        ++i;
    }
    return json_pointer(std::string(text), std::move(tokens));
}

const nlohmann::json* json_pointer::find(const nlohmann::json& doc) const {
    const nlohmann::json* value = &doc;
    for (const auto& token : tokens_) {
        value = step(*value, token);
        if (value == nullptr) {
            return nullptr;
        }
    }
    return value;
}

bool json_pointer::erase(nlohmann::json& doc) const {
    if (tokens_.empty()) {
        doc = nullptr;
        return true;
    }
    nlohmann::json* parent = &doc;
    for (std::size_t i = 0; i + 1 < tokens_.size(); ++i) {
        parent = step(*parent, tokens_[i]);
        if (parent == nullptr) {
            return false;
        }
    }
    const std::string& last = tokens_.back();
    if (parent->is_object()) {
        return parent->erase(last) > 0;
    }
    if (parent->is_array()) {
        auto index = parse_array_index(last);
        if (!index || *index >= parent->size()) {
            return false;
        }
        parent->erase(*index);
        return true;
    }
    return false;
}

std::string json_pointer::escape(std::string_view token) {
    std::string out;
    out.reserve(token.size());
    append_escaped(out, token);
    return out;
}

void json_pointer::append_escaped(std::string& out, std::string_view token) {
    for (char c : token) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out.push_back(c);
        }
    }
}

}  // namespace shadowproxy::compare
