--[[
  Whether and when a failed attempt is retried (included with `-- @include retry`).

  oasis_retry_due(C, t, o) -> the epoch ms at which the next attempt of task `t` is routed, or
  nil when none follows. `o` is how the attempt ended: {status, error, nonRetryable}. Only FAILED,
  TIMEOUT, LOST and NO_WORKER are retried, never a failure the worker marked `nonRetryable`, and
  at most the job's `retryCount` times. The delay is the job's `retryDelay`, doubled per attempt
  for EXPONENTIAL (capped at `retryMaxDelay` when that is set), then shortened by up to
  `retryJitter` (a fraction) at random. The one backoff formula of task retries; the TypeScript
  one (worker-client/src/backoff.ts) paces the admin's own retries and worker reconnects.
]]
-- @include context

local OASIS_RETRYABLE = { FAILED = true, TIMEOUT = true, LOST = true, NO_WORKER = true }
-- Workers of SDKs older than the `nonRetryable` result field mark such a failure by starting its
-- error text with this; accepted for one version.
local OASIS_NON_RETRYABLE_PREFIX = 'NonRetryableError:'

local function oasis_retry_due(C, t, o)
  if not OASIS_RETRYABLE[o.status] or o.nonRetryable then return nil end
  if string.sub(o.error or '', 1, #OASIS_NON_RETRYABLE_PREFIX) == OASIS_NON_RETRYABLE_PREFIX then return nil end
  local r = redis.call('HMGET', KEY.job(C.base, t.jobId), F.job.retryCount, F.job.retryBackoff, F.job.retryDelay,
    F.job.retryMaxDelay, F.job.retryJitter)
  local attempt = tonumber(t.attempt) or 1
  if attempt > (tonumber(r[1] or '0') or 0) then return nil end
  local delay = tonumber(r[3] or '0') or 0
  if r[2] == 'EXPONENTIAL' then
    delay = delay * (2 ^ (attempt - 1))
    local cap = tonumber(r[4] or '0') or 0
    if cap > 0 and delay > cap then delay = cap end
  end
  local jitter = tonumber(r[5] or '0') or 0
  if jitter > 0 then delay = delay * (1 - jitter * math.random()) end
  return C.now + math.floor(delay)
end
