-- wrk script for `make bench-feedback`: each wrk thread posts its own share
-- of pre-signed survey bodies (one per line of the file given after --).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % tonumber(args[2]) == id then
      bodies[#bodies + 1] = line
    end
    n = n + 1
  end
  next_body = 0
  statuses = {}
end

function request()
  next_body = next_body + 1
  local body = bodies[((next_body - 1) % #bodies) + 1]
  return wrk.format("POST", "/api/feedback", {["Content-Type"] = "application/json"}, body)
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("wrk: %d requests, %.0f requests/s, p50 %.1f ms, p95 %.1f ms, non-2xx/errors %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, errors))
end
