// Typed, strict reads from a yaml-cpp tree that record "FILE: key.path: reason" problems instead
// of throwing, so one pass over the file reports everything that is wrong with it.
//
// Private to src/config. One reader per parse, used by one thread. Every read leaves the target
// untouched (its default) when the key is absent or the value is invalid; the caller decides
// what else to check. Nothing here throws except std::bad_alloc.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shadowproxy/config/config.hpp"

namespace shadowproxy::config::detail {

// Validates (and may normalise, e.g. lower-case) one string value; returns the reason it is
// wrong, or an empty string when it is fine.
using string_check = std::function<std::string(std::string&)>;

std::string join(const std::string& path, std::string_view key);
std::string join(const std::string& path, std::size_t index);

// How a node reads in a message: a scalar as written ("quoted" when it was quoted in the file),
// otherwise "a map", "a list" or "nothing".
std::string describe(const YAML::Node& node);

class yaml_reader {
public:
    explicit yaml_reader(std::string file_name) : file_name_(std::move(file_name)) {}

    // Records "FILE: path: reason", or "FILE: reason" for the empty path (the whole file).
    void problem(const std::string& path, std::string_view reason);
    std::vector<std::string> take_problems() { return std::move(problems_); }

    // True when `node` is a map (null counts as an empty one). Reports keys that are not in
    // `known` (with the closest known key as a hint) and keys given twice.
    bool check_map(const YAML::Node& node, const std::string& path,
                   std::span<const std::string_view> known);

    // The reads below look up `key` in `map` (already checked with check_map) and return true
    // only when a valid value was stored in `out`.
    bool read_string(const YAML::Node& map, const std::string& path, std::string_view key,
                     std::string& out, const string_check& check = {});
    bool read_bool(const YAML::Node& map, const std::string& path, std::string_view key, bool& out);
    bool read_number(const YAML::Node& map, const std::string& path, std::string_view key,
                     double& out, double min, double max);
    bool read_duration(const YAML::Node& map, const std::string& path, std::string_view key,
                       milliseconds& out, std::int64_t min, std::int64_t max);
    // A list of strings, each checked on its own (problems name the element, "key[2]"). When
    // any element is wrong `out` is left untouched.
    bool read_string_list(const YAML::Node& map, const std::string& path, std::string_view key,
                          std::vector<std::string>& out, const string_check& check = {});

    template <typename T>
    bool read_integer(const YAML::Node& map, const std::string& path, std::string_view key, T& out,
                      std::int64_t min, std::int64_t max) {
        std::int64_t value = 0;
        if (!read_int64(map, path, key, value, min, max)) {
            return false;
        }
        out = static_cast<T>(value);
        return true;
    }

    // One scalar, not a map key lookup: for list elements and map values read by the caller.
    bool scalar_string(const YAML::Node& node, const std::string& path, std::string& out,
                       const string_check& check = {});

private:
    bool read_int64(const YAML::Node& map, const std::string& path, std::string_view key,
                    std::int64_t& out, std::int64_t min, std::int64_t max);

    std::string file_name_;
    std::vector<std::string> problems_;
};

}  // namespace shadowproxy::config::detail
