#include "shadowproxy/admin/prometheus.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <optional>

#include "shadowproxy/metrics/metric_list.hpp"

namespace shadowproxy::admin {

namespace {

// Label values are config names ([A-Za-z0-9._-]) or fixed words; escape anyway.
std::string escape(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (c == '\\' || c == '"') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out.append("\\n");
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string prometheus_number(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", v);
    return buffer;
}

void family_header(std::string& out, const metrics::metric_info& m) {
    out.append("# HELP shadowproxy_").append(m.name).append(" ").append(m.help).append("\n");
    out.append("# TYPE shadowproxy_").append(m.name).append(" ").append(m.type).append("\n");
}

void sample(std::string& out, const char* name, const std::string& labels, std::uint64_t value) {
    out.append("shadowproxy_").append(name);
    if (!labels.empty()) {
        out.append("{").append(labels).append("}");
    }
    out.append(" ").append(std::to_string(value)).append("\n");
}

std::string label(const char* key, std::string_view value) {
    return std::string{key} + "=\"" + escape(value) + "\"";
}

// One histogram's _bucket, _sum and _count samples.
template <typename Bounds>
void histogram_samples(std::string& out, std::string_view name, const std::string& labels,
                       const metrics::basic_histogram<Bounds>& histogram) {
    const std::string base = std::string{name};
    const auto cumulative = histogram.cumulative();
    for (std::size_t i = 0; i < cumulative.size(); ++i) {
        const auto& bounds = metrics::basic_histogram<Bounds>::bounds;
        const std::string le =
            i < bounds.size() ? prometheus_number(bounds[i]) : std::string{"+Inf"};
        sample(out, (base + "_bucket").c_str(), labels + "," + label("le", le), cumulative[i]);
    }
    out.append("shadowproxy_").append(base).append("_sum{").append(labels).append("} ");
    out.append(prometheus_number(histogram.sum())).append("\n");
    sample(out, (base + "_count").c_str(), labels, cumulative.back());
}

}  // namespace

std::string render_prometheus(const metrics::registry& registry, const extra_metrics& extra) {
    std::string out;
    out.reserve(8192);
    const auto upstreams = registry.upstreams();
    const auto shadows = registry.shadows();

    family_header(out, metrics::metric("requests_total"));
    for (const auto& [name, family] : upstreams) {
        for (unsigned code = 0; code < metrics::upstream_family::max_code; ++code) {
            if (const auto v = family->requests_by_code[code].value(); v > 0) {
                sample(out, "requests_total",
                       label("upstream", name) + "," + label("code", std::to_string(code)), v);
            }
        }
    }

    family_header(out, metrics::metric("upstream_latency_seconds"));
    for (const auto& [name, family] : upstreams) {
        if (name != "proxy") {
            histogram_samples(out, "upstream_latency_seconds", label("upstream", name),
                              family->latency);
        }
    }
    // Only upstreams that answered generated text: an empty histogram per upstream would say
    // nothing in json mode.
    family_header(out, metrics::metric("llm_ttft_seconds"));
    for (const auto& [name, family] : upstreams) {
        if (name != "proxy" && family->ttft.count() > 0) {
            histogram_samples(out, "llm_ttft_seconds", label("upstream", name), family->ttft);
        }
    }
    family_header(out, metrics::metric("llm_output_tokens_total"));
    for (const auto& [name, family] : upstreams) {
        if (name != "proxy" && family->output_tokens.value() > 0) {
            sample(out, "llm_output_tokens_total", label("upstream", name),
                   family->output_tokens.value());
        }
    }

    family_header(out, metrics::metric("upstream_errors_total"));
    for (const auto& [name, family] : upstreams) {
        if (name == "proxy") {
            continue;
        }
        for (std::size_t i = 0; i < words::exchange_error_names.size(); ++i) {
            sample(out, "upstream_errors_total",
                   label("upstream", name) + "," + label("error", words::exchange_error_names[i]),
                   family->errors[i].value());
        }
    }

    // Gauges only for the shadows the running config names: a reload can leave families of
    // removed shadows behind, whose counters stay but whose state no longer means anything.
    const auto active_gauge = [&](const metrics::metric_info& metric, auto value_of) {
        family_header(out, metric);
        for (const auto& name : registry.active_shadows()) {
            for (const auto& [shadow_name, family] : shadows) {
                if (shadow_name != name) {
                    continue;
                }
                if (const std::optional<double> value = value_of(*family)) {
                    out.append("shadowproxy_").append(metric.name).append("{");
                    out.append(label("shadow", name)).append("} ");
                    // Whole values (bytes, counts) exactly; %.9g would round large byte counts.
                    out.append(*value == std::floor(*value)
                                   ? std::to_string(static_cast<std::int64_t>(*value))
                                   : prometheus_number(*value))
                        .append("\n");
                }
            }
        }
    };
    const auto at_least_zero = [](const metrics::gauge& g) {
        return std::optional<double>{static_cast<double>(std::max<std::int64_t>(0, g.value()))};
    };
    active_gauge(metrics::metric("mirror_queue_depth"),
                 [&](const metrics::shadow_family& f) { return at_least_zero(f.queue_depth); });
    active_gauge(metrics::metric("mirror_queue_bytes"),
                 [&](const metrics::shadow_family& f) { return at_least_zero(f.queue_bytes); });
    active_gauge(metrics::metric("shadow_ejected"), [](const metrics::shadow_family& f) {
        return std::optional<double>{f.ejected.value() > 0 ? 1.0 : 0.0};
    });
    active_gauge(metrics::metric("shadow_paused"), [](const metrics::shadow_family& f) {
        return std::optional<double>{f.paused.load(std::memory_order_relaxed) ? 1.0 : 0.0};
    });
    // No sample while the config's rate applies (the override is negative then).
    active_gauge(metrics::metric("shadow_sample_rate_override"),
                 [](const metrics::shadow_family& f) {
                     const double rate = f.sample_rate_override.load(std::memory_order_relaxed);
                     return rate >= 0 ? std::optional<double>{rate} : std::nullopt;
                 });

    family_header(out, metrics::metric("mirror_eligible_total"));
    for (const auto& [name, family] : shadows) {
        sample(out, "mirror_eligible_total", label("shadow", name), family->eligible.value());
    }
    family_header(out, metrics::metric("mirror_sent_total"));
    for (const auto& [name, family] : shadows) {
        sample(out, "mirror_sent_total", label("shadow", name), family->sent.value());
    }
    family_header(out, metrics::metric("mirror_dropped_total"));
    for (const auto& [name, family] : shadows) {
        for (std::size_t i = 0; i < metrics::drop_reason_names.size(); ++i) {
            sample(out, "mirror_dropped_total",
                   label("shadow", name) + "," + label("reason", metrics::drop_reason_names[i]),
                   family->dropped[i].value());
        }
    }
    family_header(out, metrics::metric("comparisons_total"));
    for (const auto& [name, family] : shadows) {
        for (std::size_t i = 0; i < words::outcome_names.size(); ++i) {
            sample(out, "comparisons_total",
                   label("shadow", name) + "," + label("outcome", words::outcome_names[i]),
                   family->comparisons[i].value());
        }
    }

    family_header(out, metrics::metric("status_mismatches_total"));
    for (const auto& [name, family] : shadows) {
        sample(out, "status_mismatches_total", label("shadow", name),
               family->status_mismatches.value());
    }
    family_header(out, metrics::metric("shadow_server_errors_total"));
    for (const auto& [name, family] : shadows) {
        sample(out, "shadow_server_errors_total", label("shadow", name),
               family->shadow_server_errors.value());
    }
    family_header(out, metrics::metric("llm_text_similarity"));
    for (const auto& [name, family] : shadows) {
        if (family->text_similarity.count() > 0) {
            histogram_samples(out, "llm_text_similarity", label("shadow", name),
                              family->text_similarity);
        }
    }

    family_header(out, metrics::metric("log_records_dropped_total"));
    sample(out, "log_records_dropped_total", "", extra.log_records_dropped);
    family_header(out, metrics::metric("log_records_written_total"));
    sample(out, "log_records_written_total", "", extra.log_records_written);
    family_header(out, metrics::metric("config_reloads_total"));
    sample(out, "config_reloads_total", label("result", "success"),
           registry.config_reloads_success.value());
    sample(out, "config_reloads_total", label("result", "failure"),
           registry.config_reloads_failure.value());
    family_header(out, metrics::metric("feature_missing_total"));
    for (const auto& f : extra.features) {
        sample(out, "feature_missing_total", label("feature", f.name), f.missing);
    }
    family_header(out, metrics::metric("feature_null_total"));
    for (const auto& f : extra.features) {
        sample(out, "feature_null_total", label("feature", f.name), f.null);
    }
    family_header(out, metrics::metric("client_connections_rejected_total"));
    sample(out, "client_connections_rejected_total", "",
           registry.client_connections_rejected.value());
    family_header(out, metrics::metric("client_tls_handshake_failures_total"));
    sample(out, "client_tls_handshake_failures_total", "",
           registry.client_tls_handshake_failures.value());
    family_header(out, metrics::metric("accept_errors_total"));
    for (std::size_t i = 0; i < metrics::accept_error_names.size(); ++i) {
        sample(out, "accept_errors_total", label("reason", metrics::accept_error_names[i]),
               registry.accept_errors[i].value());
    }
    family_header(out, metrics::metric("request_trailer_fields_dropped_total"));
    sample(out, "request_trailer_fields_dropped_total", "",
           registry.request_trailer_fields_dropped.value());
    return out;
}

}  // namespace shadowproxy::admin
