#include "shadowproxy/admin/dashboard_page.hpp"

namespace shadowproxy::admin {

namespace {

// The page as written; kept readable rather than minified (it is ~25 KiB, served rarely).
constexpr std::string_view page_text = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>shadowproxy</title>
<style>
  :root { --bg:#f3f4f7; --card:#fff; --ink:#1f2430; --muted:#6b7280; --line:#e3e6ec;
          --pass:#2e7d32; --fail:#c62828; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
         background:var(--bg); color:var(--ink); }
  header { display:flex; align-items:baseline; gap:18px; padding:10px 18px; background:#1f2430;
           color:#fff; }
  header h1 { font-size:18px; margin:0; font-weight:600; }
  header .meta { color:#c9ced8; font-size:13px; }
  #status { margin-left:auto; padding:2px 10px; border-radius:10px; font-size:12px;
            background:#2e7d32; }
  #status.bad { background:#c62828; }
  main { display:grid; grid-template-columns:repeat(3, 1fr); gap:12px; padding:12px 18px; }
  .card { background:var(--card); border:1px solid var(--line); border-radius:6px;
          padding:10px 12px; min-width:0; }
  .card h2 { font-size:13px; margin:0 0 6px; font-weight:600; color:#374151;
             text-transform:uppercase; letter-spacing:.04em; }
  .wide { grid-column:span 2; }
  .full { grid-column:1 / -1; }
  .verdict { padding:1px 6px; border-radius:8px; }
  canvas { width:100%; height:190px; display:block; }
  table { width:100%; border-collapse:collapse; font-size:13px; }
  th, td { text-align:right; padding:3px 5px; border-bottom:1px solid var(--line);
           white-space:nowrap; }
  th:first-child, td:first-child { text-align:left; }
  th { color:var(--muted); font-weight:500; }
  .pass { color:var(--pass); font-weight:600; }
  .fail { color:var(--fail); font-weight:600; }
  .legend { display:flex; flex-wrap:wrap; gap:4px 12px; font-size:12px; color:#374151;
            margin-top:4px; }
  .legend i { display:inline-block; width:12px; height:3px; vertical-align:middle;
              margin-right:4px; }
  .muted { color:var(--muted); }
</style>
</head>
<body data-points="0" data-polls="0" data-verdict="">
<header>
  <h1>shadowproxy</h1>
  <span class="meta" id="production">production: –</span>
  <span class="meta" id="uptime"></span>
  <span class="meta" id="rate"></span>
  <span id="status">connecting</span>
</header>
<main>
  <div class="card"><h2>Latency p50 (per 5 s)</h2><canvas id="lat_p50"></canvas>
    <div class="legend" id="legend_latency"></div></div>
  <div class="card"><h2>Latency p95 (per 5 s)</h2><canvas id="lat_p95"></canvas></div>
  <div class="card"><h2>Latency p99 (per 5 s)</h2><canvas id="lat_p99"></canvas></div>
  <div class="card"><h2 id="agreement_title">Prediction agreement (per 5 s)</h2>
    <canvas id="agreement"></canvas><div class="legend" id="legend_agreement"></div></div>
  <div class="card"><h2>Requests per second</h2><canvas id="rps"></canvas>
    <div class="legend" id="legend_rps"></div></div>
  <div class="card"><h2>Errors and status mismatches (per 5 s)</h2><canvas id="errors"></canvas>
    <div class="legend" id="legend_errors"></div></div>
  <div class="card"><h2>Outcomes since start</h2><canvas id="outcomes"></canvas>
    <div class="legend" id="legend_outcomes"></div></div>
  <div class="card"><h2>Mirror queue and drops</h2><div id="mirror"></div></div>
  <div class="card"><h2>Input features (worst first)</h2><div id="features"></div></div>
  <div class="card llm" hidden><h2>Time to first token, ms (since start)</h2>
    <canvas id="ttft"></canvas></div>
  <div class="card llm" hidden><h2>Text similarity to production (since start)</h2>
    <canvas id="similarity"></canvas></div>
  <div class="card llm" hidden><h2>Generated text</h2><div id="llm_table"></div></div>
  <div class="card full"><h2>Promotion checklist</h2><div id="promotion"></div></div>
</main>
<script>
"use strict";
const PRODUCTION_COLOR = "#4e79a7";
const SHADOW_COLORS = ["#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948"];
const OUTCOMES = [["match", "#59a14f"], ["prediction_match", "#a0cbe8"],
                  ["prediction_mismatch", "#f28e2b"], ["status_mismatch", "#b07aa1"],
                  ["shadow_error", "#e15759"], ["production_error", "#9d9d9d"]];
// The charts come from the server's history (/stats "history": 5 s buckets, 15 minutes), so a
// freshly loaded page shows the whole quarter hour.
const history = { t: [], series: {} };
let polls = 0;

function shadowColor(i) { return SHADOW_COLORS[i % SHADOW_COLORS.length]; }
function fmt(v, digits) { return v === null || v === undefined ? "–" : v.toFixed(digits); }
function pct(v) { return v === null || v === undefined ? "–" : (100 * v).toFixed(2) + " %"; }
function esc(s) {
  return String(s).replace(/[&<>"]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;",
                                               '"': "&quot;"}[c]));
}
// Latencies in ms, written in µs below one millisecond.
function ms(v) {
  if (v === null || v === undefined) { return "–"; }
  if (Math.abs(v) < 1) { return (v * 1000).toFixed(v * 1000 < 10 ? 1 : 0) + " µs"; }
  return v.toFixed(v < 10 ? 2 : 1) + " ms";
}

function fromHistory(stats) {
  history.t = []; history.series = {};
  if (!stats.shadows.length) { return; }
  // Shadows share the clock; the longest history gives the time axis.
  const base = stats.shadows.reduce((a, s) => s.history.t.length > a.history.t.length ? s : a);
  history.t = base.history.t.slice();
  const align = (values, t) => {
    const out = new Array(history.t.length).fill(null);
    const offset = history.t.length - t.length;
    values.forEach((v, i) => { out[offset + i] = v; });
    return out;
  };
  const first = stats.shadows[0].history;
  for (const p of ["p50", "p95", "p99"]) {
    history.series["production:" + p] = align(first.latency_ms.production[p], first.t);
  }
  for (const s of stats.shadows) {
    const h = s.history, res = h.resolution_seconds;
    for (const p of ["p50", "p95", "p99"]) {
      history.series[s.name + ":" + p] = align(h.latency_ms.shadow[p], h.t);
    }
    history.series[s.name + ":agreement"] = align(h.agreement.map(a => a === null ? null : 100 * a), h.t);
    history.series[s.name + ":rps"] = align(h.requests.map(n => n / res), h.t);
    history.series[s.name + ":errors"] = align(h.error_rate.map(a => a === null ? null : 100 * a), h.t);
    history.series[s.name + ":mismatch"] =
      align(h.status_mismatch_rate.map(a => a === null ? null : 100 * a), h.t);
  }
}

function setupCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 400, h = canvas.clientHeight || 190;
  canvas.width = Math.round(w * ratio);
  canvas.height = Math.round(h * ratio);
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, h);
  g.font = "11px system-ui, sans-serif";
  return { g, w, h };
}

function niceStep(range) {
  const raw = range / 4, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10]) { if (m * mag >= raw) { return m * mag; } }
  return 10 * mag;
}

function clock(t) { return new Date(t * 1000).toTimeString().slice(0, 8); }

// Lines over time; returns how many points were drawn. opts.scale(hi) may return
// { factor, unit } to relabel the axis (µs for sub-millisecond latencies).
function lineChart(canvas, lines, opts) {
  const { g, w, h } = setupCanvas(canvas);
  const left = 52, right = 10, top = 8, bottom = 34;
  const pw = w - left - right, ph = h - top - bottom;
  const t = history.t;
  let lo = Infinity, hi = -Infinity;
  for (const l of lines) {
    for (const v of l.values) { if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
  }
  if (lo === Infinity) { lo = 0; hi = 1; }
  if (opts.min !== undefined) { lo = Math.min(lo, opts.min); }
  if (opts.max !== undefined) { hi = Math.max(hi, opts.max); }
  if (opts.floor !== undefined) { lo = Math.max(opts.floor, lo); }
  const scale = opts.scale ? opts.scale(hi) : { factor: 1, unit: opts.unit };
  if (hi - lo < 1e-9) { hi = lo + (opts.span || 1); }
  const step = niceStep((hi - lo) * scale.factor) / scale.factor;
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  // At least the last minute, ending now, so a young history grows in from the right.
  const t1 = t.length ? t[t.length - 1] : Date.now() / 1000;
  const t0 = Math.min(t.length ? t[0] : t1, t1 - 60);
  const x = v => left + (v - t0) / (t1 - t0) * pw;
  const y = v => top + ph - (v - lo) / (hi - lo) * ph;

  g.strokeStyle = "#e3e6ec"; g.fillStyle = "#6b7280"; g.lineWidth = 1;
  g.textAlign = "right"; g.textBaseline = "middle";
  for (let v = lo; v <= hi + step / 2; v += step) {
    g.beginPath(); g.moveTo(left, y(v)); g.lineTo(left + pw, y(v)); g.stroke();
    g.fillText(opts.format(v * scale.factor), left - 6, y(v));
  }
  g.textBaseline = "top";
  for (let i = 0; i <= 4; ++i) {
    const tv = t0 + (t1 - t0) * i / 4;
    g.textAlign = i === 0 ? "left" : i === 4 ? "right" : "center";
    g.fillText(clock(tv), x(tv), top + ph + 4);
  }
  g.textAlign = "center";
  g.fillText("time (local)", left + pw / 2, top + ph + 18);
  g.save(); g.translate(12, top + ph / 2); g.rotate(-Math.PI / 2);
  g.fillText(scale.unit, 0, -4); g.restore();
  g.strokeStyle = "#9ca3af"; g.strokeRect(left, top, pw, ph);

  let points = 0;
  for (const l of lines) {
    g.strokeStyle = l.color; g.lineWidth = 2; g.setLineDash(l.dash || []);
    g.beginPath();
    let pen = false, alone = null;
    l.values.forEach((v, i) => {
      if (v === null) { pen = false; return; }
      if (pen) { g.lineTo(x(t[i]), y(v)); alone = null; }
      else { g.moveTo(x(t[i]), y(v)); pen = true; alone = [x(t[i]), y(v)]; }
      ++points;
    });
    g.stroke();
    if (alone) {
      g.fillStyle = l.color; g.beginPath(); g.arc(alone[0], alone[1], 3, 0, 2 * Math.PI); g.fill();
    }
  }
  g.setLineDash([]);
  return points;
}

function outcomeChart(canvas, shadows) {
  canvas.style.height = Math.max(60, 20 + shadows.length * 40) + "px";
  const { g, w } = setupCanvas(canvas);
  const left = 90, right = 10, barH = 26, gap = 14;
  let points = 0;
  shadows.forEach((s, row) => {
    const total = OUTCOMES.reduce((n, [k]) => n + s.outcomes[k], 0);
    const y0 = 10 + row * (barH + gap);
    g.fillStyle = "#1f2430"; g.textAlign = "left"; g.textBaseline = "middle";
    g.fillText(s.name, 4, y0 + barH / 2);
    g.fillStyle = "#6b7280"; g.fillText(total + " records", left, y0 + barH + 7);
    let xpos = left;
    for (const [k, color] of OUTCOMES) {
      if (!total || !s.outcomes[k]) { continue; }
      const width = (w - left - right) * s.outcomes[k] / total;
      g.fillStyle = color; g.fillRect(xpos, y0, width, barH);
      if (width > 46) {
        g.fillStyle = "#1f2430"; g.textAlign = "center";
        g.fillText((100 * s.outcomes[k] / total).toFixed(1) + "%", xpos + width / 2, y0 + barH / 2);
      }
      xpos += width; ++points;
    }
    if (!total) { g.strokeStyle = "#e3e6ec"; g.strokeRect(left, y0, w - left - right, barH); }
  });
  return points;
}

// Horizontal bars [label, value, color]; max null scales to the largest value.
function barChart(canvas, rows, max, format) {
  canvas.style.height = Math.max(60, 16 + rows.length * 22) + "px";
  const { g, w } = setupCanvas(canvas);
  const left = 150, right = 60, barH = 16;
  const top = max || Math.max(1e-9, ...rows.map(r => r[1] || 0));
  let points = 0;
  rows.forEach(([label, value, color], row) => {
    const y0 = 8 + row * 22;
    g.fillStyle = "#1f2430"; g.textAlign = "left"; g.textBaseline = "middle";
    g.fillText(label, 4, y0 + barH / 2);
    if (value === null || value === undefined) { return; }
    const width = (w - left - right) * Math.max(0, value) / top;
    g.fillStyle = color; g.fillRect(left, y0, width, barH);
    g.fillStyle = "#1f2430"; g.fillText(format(value), left + width + 4, y0 + barH / 2);
    ++points;
  });
  return points;
}

// The generated-text cards (compare.mode openai): TTFT per side, similarity distribution.
function drawLlm(stats, names) {
  const llm = stats.shadows.filter(s => s.llm);
  document.querySelectorAll(".llm").forEach(e => { e.hidden = llm.length === 0; });
  if (!llm.length) { return 0; }
  const production = llm[0].llm.ttft_ms.production;
  const ttft = [[stats.production.name + " p50", production.p50, PRODUCTION_COLOR],
                [stats.production.name + " p95", production.p95, PRODUCTION_COLOR]];
  const similarity = [];
  let rows = "";
  for (const s of llm) {
    const color = shadowColor(names.indexOf(s.name));
    const t = s.llm.ttft_ms.shadow, m = s.llm.text_similarity;
    ttft.push([s.name + " p50", t.p50, color], [s.name + " p95", t.p95, color]);
    similarity.push([s.name + " p10", m.p10, color], [s.name + " p50", m.p50, color],
                    [s.name + " mean", m.mean, color]);
    rows += `<tr><td>${esc(s.name)}${s.reference ? " (noise)" : ""}</td><td>${s.llm.compared}</td>
      <td>${pct(s.llm.exact_match.rate)}</td><td>${fmt(s.llm.token_f1.mean, 3)}</td>
      <td>${pct(s.llm.tool_call_agreement)}</td>
      <td>${pct(s.llm.finish_reason.mismatch_rate)}</td>
      <td>${s.noise ? fmt(s.noise.gap, 3) : "–"}</td></tr>`;
  }
  document.getElementById("llm_table").innerHTML = `<table><tr><th>shadow</th><th>n</th>
    <th>exact</th><th>F1</th><th>tools</th><th>finish ≠</th><th>gap to noise</th></tr>${rows}</table>`;
  return barChart(document.getElementById("ttft"), ttft, null, v => v.toFixed(1)) +
         barChart(document.getElementById("similarity"), similarity, 1, v => v.toFixed(3));
}

function legend(id, items) {
  document.getElementById(id).innerHTML = items.map(([label, color, dash]) =>
    `<span><i style="background:${color};${dash ? "opacity:.5" : ""}"></i>${esc(label)}</span>`)
    .join("");
}

function mirrorTable(stats) {
  const rows = stats.shadows.map(s => {
    const m = s.mirror;
    return `<tr><td>${esc(s.name)}</td><td>${fmt(s.sample_rate, 2)}</td><td>${m.eligible}</td>
      <td>${m.sent}</td><td>${m.queue_depth}</td><td>${m.dropped.queue_full}</td>
      <td>${m.dropped.body_too_large}</td></tr>`;
  }).join("");
  return `<table><tr><th>shadow</th><th>rate</th><th>eligible</th><th>sent</th><th>queued</th>
    <th>drop: full</th><th>drop: size</th></tr>${rows}</table>
    <p class="muted">log: ${stats.log.written} records written, ${stats.log.dropped} dropped;
    reloads: ${stats.config_reloads.success} ok, ${stats.config_reloads.failure} failed</p>`;
}

function verdictOf(c) {
  return c.passed === null ? ["NOT EVALUATED", "muted"] : c.passed ? ["PASS", "pass"] : ["FAIL", "fail"];
}

function promotionTable(stats) {
  const criteria = [];
  for (const s of stats.shadows) {
    for (const c of s.promotion.criteria) { if (!criteria.includes(c.name)) { criteria.push(c.name); } }
  }
  const show = (name, v) => v === null ? "–" : name.includes("agreement") || name.includes("rate")
      || name.includes("tolerance") ? pct(v) : name.includes("_ms") ? ms(v)
      : name.includes("psi") || name.includes("mae") ? fmt(v, 4) : String(v);
  const head = "<tr><th>criterion</th>" + stats.shadows.map(s =>
    `<th>${esc(s.name)} <span class="verdict ${s.promotion.passed ? "pass" : "fail"}">
     ${s.promotion.passed ? "PROMOTE" : "HOLD"}</span></th>`).join("") + "</tr>";
  const rows = criteria.map(name => {
    const cells = stats.shadows.map(s => {
      const c = s.promotion.criteria.find(x => x.name === name);
      if (!c) { return "<td>–</td>"; }
      const [word, cls] = verdictOf(c);
      if (c.passed === null) { return `<td><span class="${cls}">${word}</span> ${esc(c.reason)}</td>`; }
      const op = name.startsWith("min_") ? "≥" : "≤";
      return `<td>${show(name, c.value)} <span class="muted">${op} ${show(name, c.threshold)}</span>
        <span class="${cls}">${word}</span></td>`;
    }).join("");
    return `<tr><td>${esc(name)}</td>${cells}</tr>`;
  }).join("");
  const regression = stats.prediction_type === "regression";
  const notes = stats.shadows.map(s => {
    const fit = regression && s.regression
      ? `within tolerance ${pct(s.regression.within_tolerance)}, MAE ${fmt(s.regression.mae, 4)}`
      : `κ ${fmt(s.kappa, 3)}, agreement ${pct(s.agreement.rate)} (95% CI ${s.agreement.ci95
          ? pct(s.agreement.ci95[0]) + "–" + pct(s.agreement.ci95[1]) : "–"})`;
    return `${esc(s.name)}: ${fit}; errors ${pct(s.error_rate.shadow)} (transport
      ${pct(s.transport_error_rate.shadow)}, HTTP 5xx ${s.server_errors.shadow});
      <span class="${s.status_mismatches ? "fail" : ""}">status mismatches
      ${pct(s.status_mismatch_rate)} (${s.status_mismatches})</span>`;
  }).join("<br>");
  return `<table>${head}${rows}</table><p class="muted">${notes}<br>An error is a transport
    failure or an HTTP status of 500 or more; a status mismatch is a record whose two statuses
    differ.</p>`;
}

function featuresTable(stats) {
  if (!stats.features) { return '<p class="muted">input monitoring is off (no features in the config)</p>'; }
  const live = stats.features.window.features, all = stats.features.since_start.features;
  const baseline = stats.features.since_start.has_baseline;
  const score = f => (f.psi || 0) + f.missing + f.null + f.non_numeric;
  const names = Object.keys(all).sort((a, b) => score(all[b]) - score(all[a])).slice(0, 8);
  if (!names.length) { return '<p class="muted">no mirrored request carried features yet</p>'; }
  const psi = v => baseline ? fmt(v, 3) : '<span class="muted">no baseline</span>';
  const rows = names.map(n => {
    const f = all[n], w = live[n] || {};
    const bad = (f.psi || 0) > stats.promotion_criteria.max_feature_psi || f.missing + f.null > 0.01;
    return `<tr><td class="${bad ? "fail" : ""}">${esc(n)}</td><td>${pct(f.missing)}</td>
      <td>${pct(f.null)}</td><td>${pct(f.non_numeric)}</td><td>${psi(w.psi)}</td>
      <td>${psi(f.psi)}</td></tr>`;
  }).join("");
  return `<table><tr><th>feature</th><th>missing</th><th>null</th><th>non-num.</th>
    <th>PSI live</th><th>PSI all</th></tr>${rows}</table>
    <p class="muted">Share of the ${stats.features.since_start.requests} mirrored requests (each
    counted once) where the feature was absent, null or not a number; PSI compares the values'
    distribution with the training baseline (&lt; 0.1 stable, &gt; 0.25 major shift). "live" is the
    last ${Math.round(stats.features.window_seconds)} s.</p>`;
}

function requestsPerSecond(stats) {
  const seconds = Math.max(1, Math.min(stats.window_seconds, stats.uptime_seconds));
  return stats.shadows.reduce((n, s) => Math.max(n, s.last_60s.requests), 0) / seconds;
}

function draw(stats) {
  document.getElementById("production").textContent = "production: " + stats.production.name;
  document.getElementById("uptime").textContent = "up " + Math.round(stats.uptime_seconds) + " s";
  document.getElementById("rate").textContent = fmt(requestsPerSecond(stats), 1) + " req/s mirrored";
  const status = document.getElementById("status");
  status.textContent = stats.draining ? "draining" : "serving";
  status.className = stats.draining ? "bad" : "";
  fromHistory(stats);
  const names = stats.shadows.map(s => s.name);
  const latencyScale = hi => hi < 1 ? { factor: 1000, unit: "µs" } : { factor: 1, unit: "ms" };
  let points = 0;
  for (const p of ["p50", "p95", "p99"]) {
    const lines = [{ values: history.series["production:" + p] || [], color: PRODUCTION_COLOR }];
    names.forEach((n, i) => lines.push({ values: history.series[n + ":" + p] || [],
                                         color: shadowColor(i) }));
    points += lineChart(document.getElementById("lat_" + p), lines,
                        { min: 0, span: 0.001, scale: latencyScale,
                          format: v => v.toFixed(v < 10 && v % 1 ? 1 : 0) });
  }
  legend("legend_latency", [[stats.production.name + " (production)", PRODUCTION_COLOR]]
    .concat(names.map((n, i) => [n, shadowColor(i)])));
  document.getElementById("agreement_title").textContent = stats.prediction_type === "regression"
    ? "Within tolerance (per 5 s)" : "Prediction agreement (per 5 s)";
  points += lineChart(document.getElementById("agreement"),
    names.map((n, i) => ({ values: history.series[n + ":agreement"] || [], color: shadowColor(i) })),
    { unit: "%", max: 100, floor: 0, format: v => v.toFixed(v % 1 ? 1 : 0) });
  legend("legend_agreement", names.map((n, i) => [n, shadowColor(i)]));
  points += lineChart(document.getElementById("rps"),
    names.map((n, i) => ({ values: history.series[n + ":rps"] || [], color: shadowColor(i) })),
    { unit: "requests/s", min: 0, format: v => v.toFixed(v % 1 ? 1 : 0) });
  legend("legend_rps", names.map((n, i) => [n, shadowColor(i)]));
  const errorLines = [];
  names.forEach((n, i) => {
    errorLines.push({ values: history.series[n + ":errors"] || [], color: shadowColor(i) });
    errorLines.push({ values: history.series[n + ":mismatch"] || [], color: shadowColor(i),
                      dash: [5, 4] });
  });
  points += lineChart(document.getElementById("errors"), errorLines,
    { unit: "% of records", min: 0, floor: 0, format: v => v.toFixed(v % 1 ? 1 : 0) });
  legend("legend_errors", names.flatMap((n, i) => [[n + " errors (transport or 5xx)", shadowColor(i)],
                                                   [n + " status mismatches (dashed)", shadowColor(i), true]]));
  points += outcomeChart(document.getElementById("outcomes"), stats.shadows);
  legend("legend_outcomes", OUTCOMES.map(([k, c]) => [k.replace("_", " "), c]));
  points += drawLlm(stats, names);
  document.getElementById("mirror").innerHTML = mirrorTable(stats);
  document.getElementById("promotion").innerHTML = promotionTable(stats);
  document.getElementById("features").innerHTML = featuresTable(stats);
  document.body.dataset.points = String(points);
  document.body.dataset.polls = String(polls);
  document.body.dataset.verdict = stats.shadows.map(s => s.promotion.passed ? "PROMOTE" : "HOLD").join(",");
}

async function poll() {
  try {
    const response = await fetch("/stats", { cache: "no-store" });
    const stats = await response.json();
    ++polls;
    draw(stats);
  } catch (e) {
    const status = document.getElementById("status");
    status.textContent = "no answer from /stats";
    status.className = "bad";
  }
  setTimeout(poll, 1000);
}
poll();
</script>
</body>
</html>
)html";

}  // namespace

std::string_view dashboard_html() {
    return page_text;
}

}  // namespace shadowproxy::admin
