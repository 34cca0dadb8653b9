--[[
  Claims the due fires of one app: every schedule member whose score is at or before the horizon
  (now + look-ahead) gets its score moved to a lease deadline — claimed, not removed. A claimer
  that dies loses nothing: once the lease runs out another admin claims the same fire, still
  identified by the job hash's `next`. Lateness is measured at the FIRST claim of a fire and kept,
  so a fire recovered from a dead claimer is judged by when it was first due-and-claimed, not by
  the recovery delay.

  KEYS[1] schedule ZSET (jobId -> due ms, or lease deadline while claimed)
  ARGV[1] now (epoch ms)
  ARGV[2] horizon (epoch ms): claim members with score <= horizon
  ARGV[3] claim lease (ms): new score = max(now, next) + lease
  ARGV[4] limit: at most this many members per call
  ARGV[5] app key base ("<prefix>{<app>}:")

  Output: { earliest, jobId, next, version, lateMs, plan, jobId, next, ... }
    earliest = lowest score left in the schedule after claiming, or -1 when it is empty
    lateMs   = now - next at the first claim of this fire (negative when claimed ahead of time)
    plan     = the job's scheduling plan JSON (schedule + misfire), as stored by the admin
  Members without a hot job hash or without `next` are removed (the job was deleted or stopped).
]]
local now = tonumber(ARGV[1])
local lease = tonumber(ARGV[3])
local base = ARGV[5]
local out = { -1 }
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
for _, id in ipairs(ids) do
  local jobKey = base .. 'job:' .. id
  local h = redis.call('HMGET', jobKey, 'next', 'ver', 'claimedFor', 'claimLate', 'plan')
  local nextAt = h[1]
  if not nextAt or nextAt == '' then
    redis.call('ZREM', KEYS[1], id)
  else
    local late = h[4]
    if h[3] ~= nextAt then
      late = tostring(now - tonumber(nextAt))
      redis.call('HSET', jobKey, 'claimedFor', nextAt, 'claimLate', late)
    end
    local dueAt = math.max(now, tonumber(nextAt))
    redis.call('ZADD', KEYS[1], dueAt + lease, id)
    out[#out + 1] = id
    out[#out + 1] = nextAt
    out[#out + 1] = h[2] or '0'
    out[#out + 1] = late
    out[#out + 1] = h[5] or ''
  end
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then out[1] = first[2] end
return out
