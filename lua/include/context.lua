--[[
  The per-call context of the scripts that create, route or end tasks (included with
  `-- @include context`).

  oasis_ctx() -> C, from the leading ARGV every script takes: C.base (ARGV[1], the app key base
  "<prefix>{<app>}:"; every key is built from it, so the script stays in the app's slot), C.now
  (ARGV[2]), C.ttl (ARGV[3], worker TTL in ms: workers with an older heartbeat are not routed
  to), math.random seeded with ARGV[4] when given (RANDOM routing, retry jitter), C.k the app's
  fixed keys. C also collects the effects the admin fans out afterwards:
    C.wake    set of targets to wake ("" = the app's shared queue, else a worker id),
    C.kill    {taskId, workerId} of tasks whose worker must abort them,
    C.resched true when a job got a new next fire outside the scheduler (FIXED_DELAY) or a retry
              was planned (schedulers route due retries).

  oasis_check_key(declared, built): a KEYS entry must be the key the script builds from ARGV[1],
  or a cluster client would route the call to another slot than the one the script works in.

  oasis_reply(C, reply) -> the JSON text of `reply` with the effects added (a header's
  "Output: JSON object with effects").
]]
-- @include schema

local function oasis_ctx()
  local base = ARGV[1]
  local C = {
    base = base, now = tonumber(ARGV[2]), ttl = tonumber(ARGV[3]), wake = {}, kill = {}, resched = false,
    k = {
      schedule = KEY.schedule(base), sharedQueue = KEY.sharedQueue(base), running = KEY.running(base),
      inflight = KEY.inflight(base), finals = KEY.finals(base), workers = KEY.workers(base),
      delayed = KEY.delayed(base), deadlines = KEY.deadlines(base), unacked = KEY.unacked(base),
      waiting = KEY.waiting(base), disconnected = KEY.disconnected(base),
    },
  }
  if ARGV[4] ~= '' then math.randomseed(tonumber(ARGV[4])) end
  return C
end

local function oasis_check_key(declared, built)
  if declared ~= built then error('declared key ' .. declared .. ' is not ' .. built .. ' (built from ARGV[1])') end
end

local function oasis_reply(C, reply)
  local wake = {}
  for target in pairs(C.wake) do wake[#wake + 1] = target end
  reply.wake = wake
  reply.kill = C.kill
  reply.resched = C.resched
  return cjson.encode(reply)
end
