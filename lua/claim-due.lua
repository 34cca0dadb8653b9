--[[
  Claims the due fires of one app: every schedule member whose score is at or before the horizon
  (now + look-ahead) gets its score moved to a lease deadline — claimed, not removed. A claimer
  that dies loses nothing: once the lease runs out another admin claims the same fire, still
  identified by the job hash's `nextFireAt`. Lateness is measured at the FIRST claim of a fire and
  kept, so a fire recovered from a dead claimer is judged by when it was first due-and-claimed,
  not by the recovery delay. Members without a hot job hash or without `nextFireAt` are removed
  (the job was deleted or stopped). A job hash of an older layout (JOB_LAYOUT) is left as it is,
  neither claimed nor removed, until the admin rewrites it from the database.

  KEYS[1] schedule: the app's schedule ZSET (jobId -> due ms, or lease deadline while claimed)
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: unused
  ARGV[4] seed: unused
  ARGV[5] horizon: epoch ms; members with a score up to it are claimed
  ARGV[6] lease: claim lease (ms): the new score is max(now, nextFireAt) + lease
  ARGV[7] limit: at most this many members per call

  Output: JSON object
    code: OK
    earliest?: number  lowest score left in the schedule after claiming; absent when it is empty
    fires: ClaimedFireRow[]  the fires claimed; lateMs = now - scheduledAt at the first claim of
      the fire (negative when claimed ahead of time)
]]
-- @include schema

local base = ARGV[1]
local now = tonumber(ARGV[2])
local lease = tonumber(ARGV[6])
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
    redis.call('ZADD', KEYS[1], math.max(now, tonumber(nextAt)) + lease, id)
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
return cjson.encode({ code = CODE.OK, earliest = first[2] and tonumber(first[2]) or nil, fires = fires })
