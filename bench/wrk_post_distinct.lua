-- wrk script: POST BENCH_BODY with BENCH_AUTH; every "@N@" in the body becomes a value no other
-- request of the run has, so each request is a distinct report (wrk -s bench/wrk_post_distinct.lua URL)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
local body = os.getenv("BENCH_BODY")
local threads = 0
local n = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function request()
  n = n + 1
  local value = tostring(os.time()) .. "-" .. tostring(id) .. "-" .. tostring(n)
  return wrk.format(nil, nil, nil, (body:gsub("@N@", value)))
end
