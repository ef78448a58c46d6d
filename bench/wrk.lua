-- One wrk script for every endpoint of bench/run.sh; the request comes from the environment so
-- both servers get byte-identical requests:
--   WRK_METHOD (GET|POST), WRK_BODY (form body), WRK_AUTH (Authorization header value),
--   WRK_PIPELINE (HTTP/1.1 pipelining depth, default 1 = none).
-- With WRK_PIPELINE=N each connection writes N copies of the request at once and waits for the
-- N responses (wrk counts and times every response). One write and one read then carry N
-- requests for the load generator, which is what lets a fast server, not wrk, be the limit.
-- At the end it prints one JSON line (after wrk's own report) that run.sh parses.
wrk.method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
local auth = os.getenv("WRK_AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end

local depth = tonumber(os.getenv("WRK_PIPELINE") or "1") or 1
if depth > 1 then
  local batch
  init = function(args)
    local one = wrk.format()
    local copies = {}
    for i = 1, depth do
      copies[i] = one
    end
    batch = table.concat(copies)
  end
  request = function()
    return batch
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"non2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
