// The live dashboard served at `/` (docs/operations.md): one self-contained HTML page (inline CSS
// and JS, no external assets, works offline) that polls /stats every second and draws with
// <canvas>: latency p50/p95/p99 of production and each shadow over time, agreement over time,
// outcome breakdown, mirror drops, the promotion checklist and the worst input features.
//
// After each drawing the page sets `data-points` (points plotted) and `data-polls` on <body>,
// so a headless browser test can tell the charts were drawn with data. Constant; any thread.
#pragma once

#include <string_view>

namespace shadowproxy::admin {

std::string_view dashboard_html();

}  // namespace shadowproxy::admin
