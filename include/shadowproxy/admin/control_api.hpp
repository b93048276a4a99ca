// The admin API's access rule and write endpoints: the bearer token of admin.token_file, and
// POST /shadows/{name}/pause, POST /shadows/{name}/resume, PUT /shadows/{name}/sample_rate
// (body: a number from 0 to 1). State lives in the shadow's metrics family (paused,
// sample_rate_override), so it outlives reloads until resumed; every change is logged.
//
// Called on the admin listener's thread (the application's control thread); the state it
// writes is atomic and read by worker threads. Never throws: bad input is a 4xx page.
#pragma once

#include <string_view>

#include "shadowproxy/admin/admin_server.hpp"
#include "shadowproxy/config/config.hpp"
#include "shadowproxy/metrics/registry.hpp"

namespace shadowproxy::admin {

// Whether `authorization` is "Bearer <token>" for this (non-empty) token; constant time in the
// token's content.
bool bearer_matches(std::string_view authorization, std::string_view token);

// 401 with a Bearer challenge.
page unauthorized();

// Paths the write endpoints own ("/shadows/…").
bool is_control_path(std::string_view path);

// Answers one request to a control path: 404 without admin.token_file, 401 without the token,
// 404 for a shadow not in the running config, 405 for the wrong method, 400 for a bad rate.
page handle_control(const request& in, const config::config& running, metrics::registry& metrics);

}  // namespace shadowproxy::admin
