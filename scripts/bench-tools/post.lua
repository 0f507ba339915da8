-- wrk script: POSTs pre-signed events read from $BENCH_BODIES, one per request, in turn.
local requests = {}
local index = 0

function init(args)
  local path = os.getenv("BENCH_BODIES")
  for line in io.lines(path) do
    local ts, sig, body = line:match("^(%d+)\t(%x+)\t(.*)$")
    local headers = { ["x-anima-timestamp"] = ts, ["x-anima-signature"] = sig, ["content-type"] = "application/json" }
    requests[#requests + 1] = wrk.format("POST", "/webhooks/anima", headers, body)
  end
  index = math.random(#requests)
end

function request()
  index = index % #requests + 1
  return requests[index]
end
