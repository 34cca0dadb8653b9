--[[
  Commits claimed fires of one app, all or nothing per fire. A fire commits only while it is still
  the job's current fire (`nextFireAt` equals the claimed scheduledAt) and its plan is unchanged
  (`planVersion`); then `nextFireAt` and the schedule score advance to the following fire and,
  unless the fire is skipped (misfire, `skipNext`), the job's overlap policy and routing decide
  its task(s). A second commit of the same fire finds `nextFireAt` moved on and does nothing: a
  fire happens exactly once. A job whose last run (`maxRuns`) this is leaves the schedule.
  Nothing commits while the app's `epoch` is not the server's run_id (Redis restarted, failed over
  or lost data, so `nextFireAt` may have rolled back behind fires that already ran): the scheduler
  reconciles with the database first (lua/reconcile-fires.lua) and claims again.

  KEYS[1] schedule: the app's schedule ZSET
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: ms; workers silent longer are not routed to
  ARGV[4] seed: seeds math.random (RANDOM routing, retry jitter)
  ARGV[5] bufferMax: most fires an overlap BUFFER_ALL job keeps waiting (OASIS_OVERLAP_BUFFER_MAX)
  ARGV[6] count: the number of fires
  ARGV[7..] fires: 6 values per fire: jobId, scheduledAt, planVersion, following ("" = none: the
      job leaves the schedule; a FIXED_DELAY job plans its next fire when the run ends), taskId
      ("" = advance only, no task), triggerType

  Output: JSON object with effects
    code: OK|EPOCH_CHANGED
    statuses: (OK|SKIPPED|STALE)[]  one per fire: OK committed with a run (queued, buffered,
      discarded or NO_WORKER: each has a record), SKIPPED committed without a run, STALE nothing done;
      empty with EPOCH_CHANGED (nothing done)
]]
-- @include overlap
-- @include schedule
-- @include epoch

local C = oasis_ctx()
oasis_check_key(KEYS[1], C.k.schedule)
if not oasis_epoch_ok(C.base) then return oasis_reply(C, { code = CODE.EPOCH_CHANGED, statuses = {} }) end
local bufferMax = tonumber(ARGV[5])
local n = tonumber(ARGV[6])
local statuses = {}
for i = 0, n - 1 do
  local a = 7 + i * 6
  local jobId, scheduledAt, planVersion, following, taskId, triggerType =
    ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5]
  local jobKey = KEY.job(C.base, jobId)
  local h = redis.call('HMGET', jobKey, F.job.nextFireAt, F.job.planVersion, F.job.handler, F.job.params, F.job.routing,
    F.job.timeoutMs, F.job.overlap, F.job.skipNext, F.job.maxRuns, F.job.delayMs, F.job.script, F.job.hasChildren)
  if h[1] ~= scheduledAt or h[2] ~= planVersion then
    statuses[#statuses + 1] = CODE.STALE
  else
    if following == '' then
      redis.call('HDEL', jobKey, F.job.nextFireAt)
      redis.call('HSET', jobKey, F.job.lastFire, scheduledAt)
      redis.call('ZREM', KEYS[1], jobId)
    else
      redis.call('HSET', jobKey, F.job.nextFireAt, following, F.job.lastFire, scheduledAt)
      redis.call('ZADD', KEYS[1], following, jobId)
    end
    local skips = tonumber(h[8] or '0') or 0
    if taskId ~= '' and skips > 0 then
      redis.call('HINCRBY', jobKey, F.job.skipNext, -1)
      taskId = ''
    end
    local delayed = (tonumber(h[10] or '0') or 0) > 0
    if taskId == '' then
      if delayed then oasis_delay_next(C, jobId) end
      statuses[#statuses + 1] = CODE.SKIPPED
    else
      local runs = redis.call('HINCRBY', jobKey, F.job.runs, 1)
      if not oasis_may_fire(h[9], runs, nil, nil) then
        redis.call('HDEL', jobKey, F.job.nextFireAt)
        redis.call('ZREM', KEYS[1], jobId)
      end
      local t = {
        id = taskId, jobId = jobId, handler = h[3] or '', params = h[4] or '', scheduledAt = scheduledAt,
        attempt = 1, triggerType = triggerType, shardIndex = 0, shardTotal = 1, timeoutMs = h[6] or '0',
        fixedDelay = delayed and '1' or '', script = h[11] or '', workerId = '', hasChildren = h[12] or '',
      }
      if oasis_overlap(C, t, h[7], bufferMax) then oasis_dispatch(C, t, h[5] or 'BUSYOVER', true) end
      statuses[#statuses + 1] = CODE.OK
    end
  end
end
return oasis_reply(C, { code = CODE.OK, statuses = statuses })
