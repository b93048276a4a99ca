#include "config/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "config/checks.hpp"

namespace shadowproxy::config::detail {
namespace {

// Numbers and booleans must be plain scalars: `port: "8080"` is a string in YAML, and the
// file says so on purpose or by mistake; either way it is not a number.
bool is_plain_scalar(const YAML::Node& node) {
    return node.IsScalar() && node.Tag() == "?";
}

std::string format_number(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

std::string range_text(const std::string& low, const std::string& high, bool unbounded) {
    return unbounded ? "must be at least " + low : "must be between " + low + " and " + high;
}

std::string integer_kind(std::string_view key) {
    if (key.ends_with("_ms")) {
        return "must be an integer number of milliseconds";
    }
    if (key.ends_with("_bytes")) {
        return "must be an integer number of bytes";
    }
    return "must be an integer";
}

}  // namespace

std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string join(const std::string& path, std::size_t index) {
    return path + "[" + std::to_string(index) + "]";
}

std::string describe(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map:
            return "a map";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Scalar:
            return is_plain_scalar(node) ? node.Scalar() : "\"" + node.Scalar() + "\"";
        default:
            return "nothing";
    }
}

void yaml_reader::problem(const std::string& path, std::string_view reason) {
    std::string text = file_name_ + ": ";
    if (!path.empty()) {
        text += path + ": ";
    }
    text += reason;
    problems_.push_back(std::move(text));
}

bool yaml_reader::check_map(const YAML::Node& node, const std::string& path,
                            std::span<const std::string_view> known) {
    if (node.IsNull()) {
        return true;
    }
    if (!node.IsMap()) {
        problem(path, (path.empty() ? "the file must hold a map of settings, got "
                                    : "must be a map, got ") +
                          describe(node));
        return false;
    }
    std::set<std::string> seen;
    for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
            problem(path, "keys must be plain names, got " + describe(entry.first));
            continue;
        }
        const std::string& key = entry.first.Scalar();
        if (!seen.insert(key).second) {
            problem(join(path, key), "duplicate key");
            continue;
        }
        if (std::find(known.begin(), known.end(), key) != known.end()) {
            continue;
        }
        std::string reason = "unknown key";
        if (const auto hint = closest_key(key, known)) {
            reason += ", did you mean '" + std::string(*hint) + "'?";
        }
        problem(join(path, key), reason);
    }
    return true;
}

bool yaml_reader::scalar_string(const YAML::Node& node, const std::string& path, std::string& out,
                                const string_check& check) {
    if (!node.IsScalar()) {
        problem(path, "must be a string, got " + describe(node));
        return false;
    }
    std::string value = node.Scalar();
    if (check) {
        if (const std::string reason = check(value); !reason.empty()) {
            problem(path, reason);
            return false;
        }
    }
    out = std::move(value);
    return true;
}

bool yaml_reader::read_string(const YAML::Node& map, const std::string& path, std::string_view key,
                              std::string& out, const string_check& check) {
    const YAML::Node node = map[std::string(key)];
    return node && scalar_string(node, join(path, key), out, check);
}

bool yaml_reader::read_bool(const YAML::Node& map, const std::string& path, std::string_view key,
                            bool& out) {
    const YAML::Node node = map[std::string(key)];
    if (!node) {
        return false;
    }
    bool value = false;
    if (!is_plain_scalar(node) || !YAML::convert<bool>::decode(node, value)) {
        problem(join(path, key), "must be true or false, got " + describe(node));
        return false;
    }
    out = value;
    return true;
}

bool yaml_reader::read_number(const YAML::Node& map, const std::string& path, std::string_view key,
                              double& out, double min, double max) {
    const YAML::Node node = map[std::string(key)];
    if (!node) {
        return false;
    }
    double value = 0;
    bool ok = is_plain_scalar(node);
    if (ok) {
        std::string_view text = node.Scalar();
        if (text.starts_with('+')) {
            text.remove_prefix(1);
        }
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        ok = !text.empty() && ec == std::errc{} && end == text.data() + text.size() &&
             std::isfinite(value);
    }
    if (!ok) {
        problem(join(path, key), "must be a number, got " + describe(node));
        return false;
    }
    if (value < min || value > max) {
        problem(join(path, key),
                range_text(format_number(min), format_number(max), std::isinf(max)) + ", got " +
                    node.Scalar());
        return false;
    }
    out = value;
    return true;
}

bool yaml_reader::read_duration(const YAML::Node& map, const std::string& path,
                                std::string_view key, milliseconds& out, std::int64_t min,
                                std::int64_t max) {
    std::int64_t value = 0;
    if (!read_int64(map, path, key, value, min, max)) {
        return false;
    }
    out = milliseconds(value);
    return true;
}

bool yaml_reader::read_string_list(const YAML::Node& map, const std::string& path,
                                   std::string_view key, std::vector<std::string>& out,
                                   const string_check& check) {
    const YAML::Node node = map[std::string(key)];
    if (!node) {
        return false;
    }
    const std::string list_path = join(path, key);
    if (node.IsNull()) {
        out.clear();
        return true;
    }
    if (!node.IsSequence()) {
        problem(list_path, "must be a list, got " + describe(node));
        return false;
    }
    std::vector<std::string> values(node.size());
    bool ok = true;
    for (std::size_t i = 0; i < node.size(); ++i) {
        ok = scalar_string(node[i], join(list_path, i), values[i], check) && ok;
    }
    if (ok) {
        out = std::move(values);
    }
    return ok;
}

bool yaml_reader::read_int64(const YAML::Node& map, const std::string& path, std::string_view key,
                             std::int64_t& out, std::int64_t min, std::int64_t max) {
    const YAML::Node node = map[std::string(key)];
    if (!node) {
        return false;
    }
    std::int64_t value = 0;
    std::errc ec{};
    bool ok = is_plain_scalar(node);
    if (ok) {
        std::string_view text = node.Scalar();
        if (text.starts_with('+')) {
            text.remove_prefix(1);
        }
        const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
        ec = result.ec;
        ok = !text.empty() && result.ptr == text.data() + text.size() &&
             (ec == std::errc{} || ec == std::errc::result_out_of_range);
    }
    if (!ok) {
        problem(join(path, key), integer_kind(key) + ", got " + describe(node));
        return false;
    }
    if (ec == std::errc::result_out_of_range || value < min || value > max) {
        problem(join(path, key), range_text(std::to_string(min), std::to_string(max),
                                            max == std::numeric_limits<std::int64_t>::max()) +
                                     ", got " + node.Scalar());
        return false;
    }
    out = value;
    return true;
}

}  // namespace shadowproxy::config::detail
