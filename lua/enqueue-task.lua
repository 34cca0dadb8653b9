--[[
  Creates one task of a job outside its schedule (manual, API or child trigger) and routes it by
  the job's routing (one task per live worker for SHARDING_BROADCAST; a NO_WORKER record when
  no worker is online). The job's schedule is not touched and its overlap policy does not apply:
  an explicit trigger always runs.

  ARGV[1] now (epoch ms)
  ARGV[2] app key base
  ARGV[3] worker TTL (ms)
  ARGV[4] random seed
  ARGV[5] jobId
  ARGV[6] taskId
  ARGV[7] triggerType
  ARGV[8] scheduledAt (epoch ms); for MANUAL/API/CHILD triggers it is moved 1 ms later when the
          job already has such a fire or a scheduled fire at that millisecond, so every task of
          a job keeps a distinct (job, scheduled time, shard, attempt)
  ARGV[9] "1" to use ARGV[10] as params, "0" to use the job's own params
  ARGV[10] params override
  ARGV[11] dedupe key ("" = none): when given and already used within 24 h, nothing is created

  Output: JSON {r, wake, kill, resched} (see include/task.lua); r = the ids of the tasks made (one,
  or one per shard; a NO_WORKER record keeps the id), -1 the job has no hot copy, -2 a duplicate
  of an earlier trigger (dedupe key seen)
]]
-- @include task

local C = oasis_ctx(ARGV[2], ARGV[1], ARGV[3], ARGV[4])
local jobId = ARGV[5]
local jobKey = C.base .. 'job:' .. jobId
local h = redis.call('HMGET', jobKey, 'handler', 'params', 'routing', 'timeoutMs', 'script', 'kids')
if not h[1] then return oasis_effects(C, -1) end
if ARGV[11] ~= '' then
  if not redis.call('SET', C.base .. 'dedupe:' .. ARGV[11], '1', 'NX', 'PX', 86400000) then
    return oasis_effects(C, -2)
  end
end
local t = tonumber(ARGV[8])
local last = redis.call('HMGET', jobKey, 'lastManual', 'lastFire', 'next')
for _, v in ipairs(last) do
  if v and tonumber(v) == t then t = t + 1 end
end
local lm = tonumber(last[1] or '0') or 0
if t <= lm then t = lm + 1 end
redis.call('HSET', jobKey, 'lastManual', t)
local params = h[2] or ''
if ARGV[9] == '1' then params = ARGV[10] end
local ids = oasis_dispatch(C, {
  id = ARGV[6], jobId = jobId, handler = h[1], params = params, scheduledAt = tostring(t),
  attempt = 1, trigger = ARGV[7], shardIndex = 0, shardTotal = 1, timeoutMs = h[4] or '0',
  chain = '0', script = h[5] or '', worker = '', kids = h[6] or '',
}, h[3] or 'BUSYOVER', false)
return oasis_effects(C, ids)
