--[[
  Commits claimed fires of one app, all or nothing per fire. A fire commits only while it is still
  the job's current fire (`next` equals the claimed scheduledAt) and the job definition is
  unchanged (`ver`); then its `next` and schedule score advance to the following fire and, unless
  the fire is skipped (misfire, `skipNext`), the job's overlap policy and routing decide its
  task(s). A second commit of the same fire finds `next` moved on and does nothing: a fire happens
  exactly once. A job that reached `maxRuns` leaves the schedule.

  KEYS[1] schedule ZSET
  ARGV[1] now (epoch ms)
  ARGV[2] app key base ("<prefix>{<app>}:")
  ARGV[3] worker TTL (ms): workers silent longer are not routed to
  ARGV[4] random seed (RANDOM routing, retry jitter)
  ARGV[5] N, the number of fires; then 6 values per fire:
          jobId, scheduledAt, version, following ("" = none: the job leaves the schedule; a
          FIXED_DELAY job plans its next fire when the run ends), taskId ("" = advance only, no
          task), triggerType

  Output: JSON {r, wake, kill, resched} (see include/task.lua); r has one status per fire:
    1 = committed with a run (queued, buffered, discarded or NO_WORKER: each has a record),
    2 = committed without a run (skipped), 0 = stale (nothing done)
]]
-- @include task

local C = oasis_ctx(ARGV[2], ARGV[1], ARGV[3], ARGV[4])
local base = C.base
local n = tonumber(ARGV[5])
local out = {}
for i = 0, n - 1 do
  local a = 6 + i * 6
  local jobId, scheduledAt, ver, following, taskId, trigger =
    ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5]
  local jobKey = base .. 'job:' .. jobId
  local h = redis.call('HMGET', jobKey, 'next', 'ver', 'handler', 'params', 'routing', 'timeoutMs',
    'overlap', 'skipNext', 'maxRuns', 'delayMs', 'script', 'bufMax', 'kids')
  if h[1] ~= scheduledAt or h[2] ~= ver then
    out[#out + 1] = 0
  else
    if following == '' then
      redis.call('HDEL', jobKey, 'next')
      redis.call('HSET', jobKey, 'lastFire', scheduledAt)
      redis.call('ZREM', KEYS[1], jobId)
    else
      redis.call('HSET', jobKey, 'next', following, 'lastFire', scheduledAt)
      redis.call('ZADD', KEYS[1], following, jobId)
    end
    local skips = tonumber(h[8] or '0') or 0
    if taskId ~= '' and skips > 0 then
      redis.call('HINCRBY', jobKey, 'skipNext', -1)
      taskId = ''
    end
    local delayed = (tonumber(h[10] or '0') or 0) > 0
    if taskId == '' then
      if delayed then oasis_delay_next(C, jobId) end
      out[#out + 1] = 2
    else
      local fires = redis.call('HINCRBY', jobKey, 'fires', 1)
      local maxRuns = tonumber(h[9] or '0') or 0
      if maxRuns > 0 and fires >= maxRuns then
        redis.call('HDEL', jobKey, 'next')
        redis.call('ZREM', KEYS[1], jobId)
      end
      local t = {
        id = taskId, jobId = jobId, handler = h[3] or '', params = h[4] or '',
        scheduledAt = scheduledAt, attempt = 1, trigger = trigger, shardIndex = 0, shardTotal = 1,
        timeoutMs = h[6] or '0', chain = delayed and '1' or '0', script = h[11] or '', worker = '',
        kids = h[13] or '',
      }
      if oasis_overlap(C, t, h[7], h[12]) then oasis_dispatch(C, t, h[5] or 'BUSYOVER', true) end
      out[#out + 1] = 1
    end
  end
end
return oasis_effects(C, out)
