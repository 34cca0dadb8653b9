--[[
  Routes retries whose delay is over: each due task of the delayed ZSET is routed by its job's
  routing (a retried shard to the shared queue), or ends NO_WORKER when no worker is online
  (and may be retried again).

  ARGV[1] now (epoch ms)
  ARGV[2] app key base
  ARGV[3] worker TTL (ms)
  ARGV[4] random seed
  ARGV[5] limit per call

  Output: JSON {r, wake, kill, resched} (see include/task.lua); r = {promoted count, earliest
  remaining due time or -1}
]]
-- @include task

local C = oasis_ctx(ARGV[2], ARGV[1], ARGV[3], ARGV[4])
local ids = redis.call('ZRANGEBYSCORE', C.k.delayed, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[5]))
local promoted = 0
for _, id in ipairs(ids) do
  redis.call('ZREM', C.k.delayed, id)
  local t = oasis_read_task(C, id)
  if t then
    oasis_forget(C, t)
    local routing = redis.call('HGET', C.base .. 'job:' .. t.jobId, 'routing') or 'BUSYOVER'
    oasis_dispatch(C, t, routing, false)
    promoted = promoted + 1
  end
end
local first = redis.call('ZRANGE', C.k.delayed, 0, 0, 'WITHSCORES')
return oasis_effects(C, { promoted, first[2] and tonumber(first[2]) or -1 })
