--[[
  Claims the due fires of one app: every schedule member whose score is at or before the horizon
  (now + look-ahead) gets its score moved to a lease deadline — claimed, not removed. A claimer
  that dies loses nothing: once the lease runs out another admin claims the same fire, still
  identified by the job hash's `nextFireAt`. Sooner than that, the claims of an admin whose
  liveness lapsed (its `claimers` entry was not renewed for 3 × OASIS_ADMIN_LIVENESS_MS, on the
  Redis clock) are taken over first: their scores go back to `nextFireAt`, so this call claims
  them at once. The caller renews its own liveness here too. Lateness is measured at the FIRST
  claim of a fire and kept, so a fire recovered from a dead claimer is judged by when it was first
  due-and-claimed, not by the recovery delay. Members without a hot job hash or without
  `nextFireAt` are removed (the job was deleted or stopped). A job hash of an older layout
  (JOB_LAYOUT) is left as it is, neither claimed nor removed, until the admin rewrites it from the
  database. Nothing is claimed while the app's `epoch` is not the server's run_id (Redis
  restarted or lost data): the scheduler reconciles with the database first.

  KEYS[1] schedule: the app's schedule ZSET (jobId -> due ms, or lease deadline while claimed)
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: unused
  ARGV[4] seed: unused
  ARGV[5] horizon: epoch ms; members with a score up to it are claimed
  ARGV[6] lease: claim lease (ms): the new score is max(now, nextFireAt) + lease
  ARGV[7] limit: at most this many members per call
  ARGV[8] adminId: the claiming admin
  ARGV[9] liveness: OASIS_ADMIN_LIVENESS_MS; the claimer's liveness lasts 3 × this from now

  Output: JSON object
    code: OK|EPOCH_CHANGED
    runId?: string  EPOCH_CHANGED: the server's run_id, to reconcile under
    earliest?: number  lowest score left in the schedule after claiming; absent when it is empty
    takenOver?: number  claims of lapsed admins handed back to the schedule by this call
    fires: ClaimedFireRow[]  the fires claimed; lateMs = now - scheduledAt at the first claim of
      the fire (negative when claimed ahead of time)
]]
-- @include schema
-- @include epoch

local base = ARGV[1]
local now = tonumber(ARGV[2])
local lease = tonumber(ARGV[6])
local admin = ARGV[8]
if not oasis_epoch_ok(base) then
  return cjson.encode({ code = CODE.EPOCH_CHANGED, runId = oasis_run_id(), fires = {} })
end

-- Liveness: this admin is alive; the claims of admins whose liveness lapsed go back to the schedule.
local clock = oasis_clock_ms()
local claimers = KEY.claimers(base)
redis.call('ZADD', claimers, clock + 3 * tonumber(ARGV[9]), admin)
local takenOver = 0
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', claimers, '-inf', '(' .. clock)) do
  local claims = KEY.claims(base, dead)
  for _, id in ipairs(redis.call('ZRANGE', claims, 0, -1)) do
    local h = redis.call('HMGET', KEY.job(base, id), F.job.nextFireAt, F.job.claimedBy)
    -- Still its claim (nobody claimed the job since): due again at the fire's own time.
    if h[1] and h[1] ~= '' and h[2] == dead and redis.call('ZSCORE', KEYS[1], id) then
      redis.call('ZADD', KEYS[1], h[1], id)
      takenOver = takenOver + 1
    end
  end
  redis.call('DEL', claims)
  redis.call('ZREM', claimers, dead)
end
local mine = KEY.claims(base, admin)
-- Claims whose lease ran out are anybody's again: no longer this admin's to hand over.
redis.call('ZREMRANGEBYSCORE', mine, '-inf', now)

local fires = {}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[5], 'LIMIT', 0, tonumber(ARGV[7]))
for _, id in ipairs(ids) do
  local jobKey = KEY.job(base, id)
  local h = redis.call('HMGET', jobKey, F.job.nextFireAt, F.job.planVersion, F.job.claimedFor, F.job.claimLate, F.job.plan,
    F.job.layout)
  local nextAt = h[1]
  if h[5] and tonumber(h[6]) ~= JOB_LAYOUT then
    -- Written by an admin of an older layout: its fields may be named otherwise; wait for the rewrite.
  elseif not nextAt or nextAt == '' then
    redis.call('ZREM', KEYS[1], id)
  else
    local late = h[4]
    if h[3] ~= nextAt then
      late = tostring(now - tonumber(nextAt))
      redis.call('HSET', jobKey, F.job.claimedFor, nextAt, F.job.claimLate, late)
    end
    local deadline = math.max(now, tonumber(nextAt)) + lease
    redis.call('HSET', jobKey, F.job.claimedBy, admin)
    redis.call('ZADD', KEYS[1], deadline, id)
    redis.call('ZADD', mine, deadline, id)
    local f = {}
    f[F.claimedFire.jobId] = id
    f[F.claimedFire.scheduledAt] = nextAt
    f[F.claimedFire.planVersion] = h[2] or '0'
    f[F.claimedFire.lateMs] = late
    f[F.claimedFire.plan] = h[5] or ''
    fires[#fires + 1] = f
  end
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return cjson.encode({
  code = CODE.OK, earliest = first[2] and tonumber(first[2]) or nil, takenOver = takenOver, fires = fires,
})
