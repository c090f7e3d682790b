-- wrk script for the ingestion benchmark (server/benches/load.rs runs it):
--   FLOWBOARD_TOKEN=... ALERTS=500 wrk -t1 -c32 -d15s -s bench/wrk/alertmanager.lua \
--       http://127.0.0.1:3000/api/v1/integrations/alertmanager
-- Each request is an Alertmanager v4 notification with one firing alert out of ALERTS
-- (the first of each opens its incident, the rest count occurrences on it: an alert storm).
-- At the end it prints one line, `FLOWBOARD {json}`, with the figures the bench reads.

local alerts = tonumber(os.getenv("ALERTS") or "500")
local bodies = {}
for n = 0, alerts - 1 do
    bodies[n + 1] = string.format(
        '{"version":"4","status":"firing","receiver":"flowboard",' ..
        '"groupKey":"{}:{alertname=\\"Alert%d\\"}","truncatedAlerts":0,' ..
        '"groupLabels":{"alertname":"Alert%d"},"commonLabels":{},"commonAnnotations":{},' ..
        '"externalURL":"http://alertmanager:9093","alerts":[{"status":"firing",' ..
        '"labels":{"alertname":"Alert%d","severity":"warning","service":"bench"},' ..
        '"annotations":{"summary":"Bench alert %d is firing"},' ..
        '"startsAt":"2026-11-20T10:00:00Z","endsAt":"0001-01-01T00:00:00Z",' ..
        '"generatorURL":"","fingerprint":"%016x"}]}',
        n, n, n, n, n)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("FLOWBOARD_TOKEN") or "")

local i = 0
request = function()
    i = i + 1
    return wrk.format(nil, nil, nil, bodies[(i * 31) % alerts + 1])
end

done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        'FLOWBOARD {"requests":%d,"duration_us":%d,"failed":%d,' ..
        '"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
        '"errors":"status %d, connect %d, read %d, write %d, timeout %d"}\n',
        summary.requests, summary.duration,
        e.status + e.connect + e.read + e.write + e.timeout,
        latency:percentile(50), latency:percentile(99), latency.max,
        e.status, e.connect, e.read, e.write, e.timeout))
end
