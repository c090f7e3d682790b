-- wrk script for the card-move benchmark (server/benches/load.rs runs it):
--   FLOWBOARD_TOKEN=... CARDS=id,id,... COLUMNS=from,to \
--       wrk -t1 -c64 -d10s -s bench/wrk/moves.lua http://127.0.0.1:3000
-- Moves the cards in turn between the two columns through the REST API
-- (POST /api/v1/cards/{id}/move). With four cards per connection, a card is not moved again
-- until the moves of the other cards in the round have been sent.
-- With PACE_MS set, each connection waits a while after an answer before its next move (a
-- client with think time, as people and scripts are): a random time, exponentially
-- distributed with PACE_MS as its mean, so that the clients act independently. A fixed wait
-- would keep clients that were answered together in step, and their next moves would come
-- as one burst (bench/HISTORY.md, session 12). Without PACE_MS, no wait (saturation).
-- At the end it prints one line, `FLOWBOARD {json}`, with the figures the bench reads.

local function split(s)
    local out = {}
    for part in string.gmatch(s or "", "[^,]+") do
        out[#out + 1] = part
    end
    return out
end

local cards = split(os.getenv("CARDS"))
local columns = split(os.getenv("COLUMNS"))
local bodies = {}
for k, column in ipairs(columns) do
    bodies[k] = '{"column_id":"' .. column .. '"}'
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("FLOWBOARD_TOKEN") or "")

local pace = tonumber(os.getenv("PACE_MS") or "")
if pace then
    math.randomseed(os.time())
    delay = function()
        -- 1 - random() lies in (0, 1]: the logarithm is finite.
        return math.floor(-pace * math.log(1 - math.random()))
    end
end

local i = 0
request = function()
    local card = cards[i % #cards + 1]
    -- Round r moves every card to column r+1 (mod the columns): the first round leaves
    -- the starting column.
    local body = bodies[(math.floor(i / #cards) + 1) % #bodies + 1]
    i = i + 1
    return wrk.format(nil, "/api/v1/cards/" .. card .. "/move", nil, body)
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
