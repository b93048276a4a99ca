// One read function per part of docs/config.md each turning a YAML subtree into the matching struct
// of shadowproxy/config/config.hpp and recording every problem in the reader.
//
// Private to src/config; called only by config::parse(), on one thread. Absent keys keep the
// struct's defaults; invalid values keep them too, and are reported instead.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/yaml_reader.hpp"
#include "shadowproxy/config/config.hpp"

namespace shadowproxy::config::detail {

// The longest timeout accepted (one day): larger values are typos, and keeping them small
// means no deadline arithmetic can overflow.
inline constexpr std::int64_t max_timeout_ms = 86'400'000;

// The whole document; the entry point of the walk.
void read_config(const YAML::Node& root, yaml_reader& in, config& out);

// upstream_sections.cpp
void read_production(const YAML::Node& node, yaml_reader& in, production_config& out);
void read_shadows(const YAML::Node& node, const std::string& production_name, yaml_reader& in,
                  std::vector<shadow_config>& out);
// compare.noise_reference: a shadow entry (same keys) named "<production>-noise" by default.
void read_noise_reference(const YAML::Node& node, const std::string& production_name,
                          const std::vector<shadow_config>& shadows, yaml_reader& in,
                          std::optional<shadow_config>& out);

// tls_sections.cpp: the `tls` key of a listener (`parent` is listen or admin) or of an upstream
// (production or shadows[i], whose url is already read).
void read_listener_tls(const YAML::Node& parent, const std::string& parent_path, yaml_reader& in,
                       std::optional<listener_tls>& out);
void read_upstream_tls(const YAML::Node& parent, const std::string& parent_path,
                       const upstream_url& url, yaml_reader& in, upstream_tls& out);

// Shared checks (sections.cpp) returning a reason or an empty string, for string_check.
std::string check_name(std::string& value);
std::string check_header_name(std::string& value);
std::string check_header_value(std::string& value);

}  // namespace shadowproxy::config::detail
