#include "shadowproxy/admin/control_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "shadowproxy/net/http_chars.hpp"

namespace shadowproxy::admin {

namespace {

constexpr std::string_view shadows_prefix = "/shadows/";

page text(unsigned status, std::string body) {
    return {status, "text/plain; charset=utf-8", std::move(body), {}};
}

page method_not_allowed(std::string_view allowed) {
    page out = text(405, "method not allowed\n");
    out.headers.emplace_back("Allow", std::string{allowed});
    return out;
}

std::string_view trim_token(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(" \t\r\n") + 1 - first);
}

// A whole body holding one number in [0, 1], or nothing.
std::optional<double> parse_rate(std::string_view body) {
    body = trim_token(body);
    double value = -1;
    const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
    if (body.empty() || ec != std::errc{} || end != body.data() + body.size() || !(value >= 0) ||
        value > 1) {
        return std::nullopt;
    }
    return value;
}

page state_page(const std::string& name, const config::shadow_config& settings,
                const metrics::shadow_family& family) {
    const double override_rate = family.sample_rate_override.load();
    const nlohmann::ordered_json out = {
        {"shadow", name},
        {"paused", family.paused.load()},
        {"sample_rate", settings.sample_rate},
        {"sample_rate_override",
         override_rate >= 0 ? nlohmann::ordered_json(override_rate) : nlohmann::ordered_json()}};
    return {200, "application/json", out.dump() + "\n", {}};
}

}  // namespace

bool bearer_matches(std::string_view authorization, std::string_view token) {
    constexpr std::string_view scheme = "Bearer ";
    if (token.empty() || authorization.size() < scheme.size() ||
        !net::iequals(authorization.substr(0, scheme.size()), scheme)) {
        return false;
    }
    const std::string_view given = trim_token(authorization.substr(scheme.size()));
    unsigned char difference = given.size() == token.size() ? 0 : 1;
    for (std::size_t i = 0; i < token.size(); ++i) {
        difference |= static_cast<unsigned char>(token[i] ^ (i < given.size() ? given[i] : 0));
    }
    return difference == 0;
}

page unauthorized() {
    page out = text(401, "unauthorized: send Authorization: Bearer <admin token>\n");
    out.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"shadowproxy admin\"");
    return out;
}

bool is_control_path(std::string_view path) {
    return path.starts_with(shadows_prefix);
}

page handle_control(const request& in, const config::config& running, metrics::registry& metrics) {
    if (running.admin.token.empty()) {
        return text(404, "not found (set admin.token_file to enable the write endpoints)\n");
    }
    if (!bearer_matches(in.authorization, running.admin.token)) {
        return unauthorized();
    }
    const std::string_view rest = in.path.substr(shadows_prefix.size());
    const auto slash = rest.find('/');
    const std::string_view name = rest.substr(0, slash);
    const std::string_view action =
        slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    const auto shadow = std::find_if(running.shadows.begin(), running.shadows.end(),
                                     [&](const auto& s) { return s.name == name; });
    if (shadow == running.shadows.end()) {
        return text(404, "no shadow named '" + std::string{name} + "' in the running config\n");
    }
    auto& family = metrics.shadow(shadow->name);
    if (action == "pause" || action == "resume") {
        if (in.method != "POST") {
            return method_not_allowed("POST");
        }
        if (action == "pause") {
            family.paused.store(true);
            spdlog::warn("admin: shadow {} paused (no copies until resumed)", shadow->name);
        } else {
            family.paused.store(false);
            family.sample_rate_override.store(-1.0);
            spdlog::warn("admin: shadow {} resumed at its configured sample_rate {}", shadow->name,
                         shadow->sample_rate);
        }
        return state_page(shadow->name, *shadow, family);
    }
    if (action == "sample_rate") {
        if (in.method != "PUT") {
            return method_not_allowed("PUT");
        }
        const auto rate = parse_rate(in.body);
        if (!rate) {
            return text(400, "the body must be one number from 0 to 1\n");
        }
        family.sample_rate_override.store(*rate);
        spdlog::warn("admin: shadow {} sample_rate set to {} (configured {}) until resumed",
                     shadow->name, *rate, shadow->sample_rate);
        return state_page(shadow->name, *shadow, family);
    }
    return text(404, "not found (pause, resume or sample_rate)\n");
}

}  // namespace shadowproxy::admin
