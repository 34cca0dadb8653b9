--[[
  When a job may still fire, and the next fire of a FIXED_DELAY job (included with
  `-- @include schedule`).

  oasis_may_fire(maxRuns, runs, endAt, at) -> false when the job already ran `maxRuns` scheduled
  times (maxRuns "" or 0 = no cap) or when `at` is after `endAt` (endAt "" = none; at nil = only
  the run count is looked at). The one `endAt`/`maxRuns` check of the Lua side; the TypeScript
  side's is `inWindow`/`runsLeft` in server/src/domain/schedule.ts.

  oasis_delay_next(C, jobId): plans the next fire of a FIXED_DELAY job `delayMs` after now, unless
  the job is stopped or paused, already has a next fire, or oasis_may_fire says no.
]]
-- @include context

local function oasis_may_fire(maxRuns, runs, endAt, at)
  local cap = tonumber(maxRuns or '') or 0
  if cap > 0 and (tonumber(runs or '') or 0) >= cap then return false end
  local last = tonumber(endAt or '')
  if at and last and tonumber(at) > last then return false end
  return true
end

local function oasis_delay_next(C, jobId)
  local jobKey = KEY.job(C.base, jobId)
  local h = redis.call('HMGET', jobKey, F.job.delayMs, F.job.enabled, F.job.nextFireAt, F.job.endAt, F.job.maxRuns, F.job.runs)
  local delay = tonumber(h[1] or '0') or 0
  if delay <= 0 or h[2] ~= '1' or (h[3] and h[3] ~= '') then return end
  local at = C.now + delay
  if not oasis_may_fire(h[5], h[6], h[4], at) then return end
  redis.call('HSET', jobKey, F.job.nextFireAt, at)
  redis.call('ZADD', C.k.schedule, at, jobId)
  C.resched = true
end
