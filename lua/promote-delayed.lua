--[[
  Routes retries whose delay is over: each due task of the delayed ZSET is routed by its job's
  routing (a retried shard to the shared queue), or ends NO_WORKER when no worker is online
  (and may be retried again).

  KEYS[1] delayed: the app's delayed ZSET (retry taskId -> due time)
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: ms; workers silent longer are not routed to
  ARGV[4] seed: seeds math.random (RANDOM routing, retry jitter)
  ARGV[5] limit: at most this many retries per call

  Output: JSON object with effects
    code: OK
    promoted: number  retries routed
    earliest?: number  due time of the earliest retry still waiting; absent when none waits
]]
-- @include routing

local C = oasis_ctx()
oasis_check_key(KEYS[1], C.k.delayed)
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[5]))
local promoted = 0
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local t = oasis_read_task(C, id)
  if t then
    oasis_forget(C, t)
    local routing = redis.call('HGET', KEY.job(C.base, t.jobId), F.job.routing) or 'BUSYOVER'
    oasis_dispatch(C, t, routing, false)
    promoted = promoted + 1
  end
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return oasis_reply(C, { code = CODE.OK, promoted = promoted, earliest = first[2] and tonumber(first[2]) or nil })
