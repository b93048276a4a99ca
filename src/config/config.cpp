// config::parse / load_file: YAML text → validated config, or config_error with every problem.
#include "shadowproxy/config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <thread>

#include "config/sections.hpp"
#include "config/text_file.hpp"
#include "config/yaml_reader.hpp"

namespace shadowproxy::config {
namespace {

std::string join_lines(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) {
        if (!text.empty()) {
            text += '\n';
        }
        text += line;
    }
    return text;
}

}  // namespace

config_error::config_error(std::vector<std::string> problems)
    : std::runtime_error(join_lines(problems)), problems_(std::move(problems)) {}

unsigned config::worker_count() const {
    return threads != 0 ? threads : std::max(1U, std::thread::hardware_concurrency());
}

std::uint64_t config::mirror_budget_bytes() const {
    const std::uint64_t count = shadows.size();
    if (count == 0) {
        return 0;
    }
    // max_queue_bytes × count, saturated: both limits may be as large as the config allows.
    const std::uint64_t per_shadow =
        mirror.max_queue_bytes > UINT64_MAX / count ? UINT64_MAX : mirror.max_queue_bytes * count;
    return std::min(mirror.max_total_bytes, per_shadow);
}

config parse(const std::string& yaml_text, const std::string& file_name) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        // yaml-cpp counts lines and columns from 0; editors count from 1.
        if (e.mark.is_null()) {
            throw config_error({file_name + ": " + e.msg});
        }
        throw config_error({file_name + ":" + std::to_string(e.mark.line + 1) + ":" +
                            std::to_string(e.mark.column + 1) + ": " + e.msg});
    }
    detail::yaml_reader in(file_name);
    config out;
    detail::read_config(root, in, out);
    if (auto problems = in.take_problems(); !problems.empty()) {
        throw config_error(std::move(problems));
    }
    return out;
}

config load_file(const std::string& path) {
    std::string text;
    if (const std::string reason = detail::read_text_file(path, text); !reason.empty()) {
        throw config_error({path + ": cannot read: " + reason});
    }
    config out = parse(text, path);
    out.source_path = path;
    return out;
}

}  // namespace shadowproxy::config
