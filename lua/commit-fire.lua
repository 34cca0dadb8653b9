--[[
  Commits claimed fires of one app, all or nothing per fire. A fire commits only while it is still
  the job's current fire (`next` equals the claimed scheduledAt) and the job definition is
  unchanged (`ver`); then its `next` and schedule score advance to the following fire and, unless
  the fire is skipped (misfire), one task is created and queued by the job's routing. A second
  commit of the same fire finds `next` moved on and does nothing: a fire happens exactly once.

  KEYS[1] schedule ZSET
  KEYS[2] shared queue LIST
  KEYS[3] workers ZSET (workerId -> last heartbeat)
  KEYS[4] inflight ZSET (taskId -> scheduledAt)
  ARGV[1] now (epoch ms)
  ARGV[2] app key base ("<prefix>{<app>}:")
  ARGV[3] worker TTL (ms): workers silent longer are not routed to
  ARGV[4] N, the number of fires; then 6 values per fire:
          jobId, scheduledAt, version, following ("" = none: the job leaves the schedule),
          taskId ("" = advance only, no task), triggerType

  Output: 2 values per fire: status, target
    status 1 = committed with a task, 2 = committed without a task, 0 = stale (nothing done)
    target = worker id whose own queue got the task, "" for the shared queue or no task
]]
-- @include enqueue

local now = tonumber(ARGV[1])
local base = ARGV[2]
local ttl = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local liveCache = nil
local function live()
  if not liveCache then liveCache = oasis_live_workers(KEYS[3], now, ttl) end
  return liveCache
end

local out = {}
for i = 0, n - 1 do
  local a = 5 + i * 6
  local jobId, scheduledAt, ver, following, taskId, trigger =
    ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5]
  local jobKey = base .. 'job:' .. jobId
  local h = redis.call('HMGET', jobKey, 'next', 'ver', 'handler', 'params', 'routing', 'timeoutMs')
  if h[1] ~= scheduledAt or h[2] ~= ver then
    out[#out + 1] = 0
    out[#out + 1] = ''
  else
    if following == '' then
      redis.call('HDEL', jobKey, 'next')
      redis.call('ZREM', KEYS[1], jobId)
    else
      redis.call('HSET', jobKey, 'next', following)
      redis.call('ZADD', KEYS[1], following, jobId)
    end
    redis.call('HSET', jobKey, 'lastFire', scheduledAt)
    if taskId == '' then
      out[#out + 1] = 2
      out[#out + 1] = ''
    else
      redis.call('HINCRBY', jobKey, 'fires', 1)
      local target = oasis_enqueue({
        base = base, sharedKey = KEYS[2], inflightKey = KEYS[4], jobKey = jobKey, jobId = jobId,
        taskId = taskId, handler = h[3] or '', params = h[4] or '', routing = h[5] or 'ANY',
        timeoutMs = h[6] or '0', scheduledAt = scheduledAt, attempt = 1, trigger = trigger,
        shardIndex = 0, shardTotal = 1, now = now, live = live,
      })
      out[#out + 1] = 1
      out[#out + 1] = target
    end
  end
end
return out
