-- wrk script: a small JSON POST to /predict, and a machine-readable summary at the end.
-- The summary line starts with "BENCH_JSON " so run.sh can find it among wrk's own output;
-- latencies are in microseconds, exact (wrk's text output rounds them).
wrk.method = "POST"
wrk.path = "/predict"
wrk.body = '{"features":[0.5,1.25,3.0,42],"request":"bench"}'
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
        '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
        '"latency_us":{"p50":%.1f,"p90":%.1f,"p99":%.1f,"max":%.1f,"mean":%.1f}}\n',
        summary.requests, summary.duration, summary.bytes,
        e.connect, e.read, e.write, e.status, e.timeout,
        latency:percentile(50.0), latency:percentile(90.0), latency:percentile(99.0),
        latency.max, latency.mean))
end
