-- wrk script for `make bench-offers`: GET the suggestions of customers in turn,
-- signed in as a rep (the Authorization header is given after --).
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  auth = args[1]
  customers = tonumber(args[2])
  next_customer = id * 7
  failures = 0
end

function request()
  next_customer = next_customer + 1
  local path = string.format("/api/customers/C%05d/suggestions", (next_customer % customers) + 1)
  return wrk.format("GET", path, {["Authorization"] = auth})
end

function response(status)
  if status ~= 200 then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("wrk: %d requests, %.0f requests/s, p50 %.1f ms, p95 %.1f ms, non-2xx/errors %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, errors))
end
