#include "shadowproxy/stats/prediction_key.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace shadowproxy::stats {

namespace {

constexpr double max_exact_integer = 9007199254740992.0;  // 2^53

void normalise(nlohmann::json& value) {
    if (value.is_number_float()) {
        const double v = value.get<double>();
        if (std::isfinite(v) && std::trunc(v) == v && std::fabs(v) <= max_exact_integer) {
            value = static_cast<std::int64_t>(v);
        }
    } else if (value.is_number_integer() && value.get<std::int64_t>() == 0) {
        value = 0;
    } else if (value.is_structured()) {
        for (auto& element : value) {
            normalise(element);
        }
    }
}

std::string dump(const nlohmann::json& value) {
    if (value.is_null()) {
        return {};
    }
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Integers of up to 15 digits, without "-0", are already in canonical form.
bool is_plain_integer(std::string_view text) {
    const std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
    if (digits.empty() || digits.size() > 15 || (digits.size() > 1 && digits[0] == '0') ||
        text == "-0") {
        return false;
    }
    return std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A string with nothing to escape is written by dump() exactly as it is in the input.
bool is_plain_string(std::string_view text) {
    if (text.size() < 2 || text.front() != '"' || text.back() != '"') {
        return false;
    }
    const std::string_view inner = text.substr(1, text.size() - 2);
    return std::none_of(inner.begin(), inner.end(), [](char c) {
        return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
    });
}

std::string_view trim_text(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

}  // namespace

std::string prediction_key(const nlohmann::json& value) {
    // Integers (the usual class label) are already canonical: skip the copy and dump().
    if (value.is_number_unsigned()) {
        return std::to_string(value.get<std::uint64_t>());
    }
    if (value.is_number_integer()) {
        return std::to_string(value.get<std::int64_t>());
    }
    if (value.is_number() || value.is_structured()) {
        nlohmann::json copy = value;
        normalise(copy);
        return dump(copy);
    }
    return dump(value);
}

bool prediction_key_from_raw(std::string_view raw_json, std::string& out) {
    const std::string_view text = trim_text(raw_json);
    if (text == "null") {
        out.clear();
        return true;
    }
    if (text == "true" || text == "false" || is_plain_integer(text) || is_plain_string(text)) {
        out.assign(text);
        return true;
    }
    nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
    if (parsed.is_discarded()) {
        return false;
    }
    out = prediction_key(parsed);
    return true;
}

std::string display_label(std::string_view key) {
    if (!key.starts_with('"')) {
        return std::string(key);
    }
    const nlohmann::json parsed = nlohmann::json::parse(key, nullptr, false);
    if (!parsed.is_string()) {
        return std::string(key);
    }
    const auto& text = parsed.get_ref<const std::string&>();
    if (text.empty() || text == other_label || nlohmann::json::accept(text)) {
        return std::string(key);
    }
    return text;
}

}  // namespace shadowproxy::stats
