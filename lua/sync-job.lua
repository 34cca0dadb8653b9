--[[
  Writes a job's hot copy after a change. When the job stays enabled with the same plan (schedule
  and misfire settings) and has a pending fire, that fire is kept untouched — an edit of params,
  handler or routing never drops or delays a fire that is already claimed. Otherwise the plan
  version is bumped (so claims of the old plan go stale) and the given next fire replaces the old.
  A job that already ran `maxRuns` scheduled times gets no next fire. A hash of an older layout
  is migrated first: its renamed fields (LEGACY.job) keep their values under the new names, its
  dropped fields go, and it is stamped with JOB_LAYOUT.

  KEYS[1] job: the job HASH
  KEYS[2] schedule: the app's schedule ZSET
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: unused
  ARGV[4] seed: unused
  ARGV[5] jobId: the job
  ARGV[6] plan: plan JSON
  ARGV[7] next: next fire (epoch ms) for a new plan; "" = no fire (stopped, or nothing to fire)
  ARGV[8] enabled: "1" when the job fires on its schedule
  ARGV[9..] fields: field/value pairs of the definition (JOB_DEFINITION_FIELDS of schema.ts)

  Output: JSON object
    code: OK
    nextFireAt?: number  the job's effective next fire; absent when it has none
]]
-- @include schedule

oasis_check_key(KEYS[1], KEY.job(ARGV[1], ARGV[5]))
oasis_check_key(KEYS[2], KEY.schedule(ARGV[1]))
if tonumber(redis.call('HGET', KEYS[1], F.job.layout)) ~= JOB_LAYOUT then
  for old, current in pairs(LEGACY.job) do
    local v = redis.call('HGET', KEYS[1], old)
    if v then
      redis.call('HSETNX', KEYS[1], current, v)
      redis.call('HDEL', KEYS[1], old)
    end
  end
  redis.call('HDEL', KEYS[1], unpack(DROPPED_JOB_FIELDS))
  redis.call('HSET', KEYS[1], F.job.layout, JOB_LAYOUT)
end
local fields = {}
for i = 9, #ARGV do fields[#fields + 1] = ARGV[i] end
if #fields > 0 then redis.call('HSET', KEYS[1], unpack(fields)) end
redis.call('HSET', KEYS[1], F.job.enabled, ARGV[8])
local h = redis.call('HMGET', KEYS[1], F.job.plan, F.job.nextFireAt, F.job.maxRuns, F.job.runs)
local done = not oasis_may_fire(h[3], h[4], nil, nil)
if ARGV[8] == '1' and h[1] == ARGV[6] and h[2] and h[2] ~= '' and not done then
  return cjson.encode({ code = CODE.OK, nextFireAt = tonumber(h[2]) })
end
redis.call('HSET', KEYS[1], F.job.plan, ARGV[6])
redis.call('HINCRBY', KEYS[1], F.job.planVersion, 1)
redis.call('HDEL', KEYS[1], F.job.claimedFor, F.job.claimLate, F.job.delayWait)
if ARGV[8] == '1' and ARGV[7] ~= '' and not done then
  redis.call('HSET', KEYS[1], F.job.nextFireAt, ARGV[7])
  redis.call('ZADD', KEYS[2], ARGV[7], ARGV[5])
  return cjson.encode({ code = CODE.OK, nextFireAt = tonumber(ARGV[7]) })
end
redis.call('HDEL', KEYS[1], F.job.nextFireAt)
redis.call('ZREM', KEYS[2], ARGV[5])
return cjson.encode({ code = CODE.OK })
