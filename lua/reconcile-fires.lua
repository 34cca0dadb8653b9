--[[
  Reconciles an app's schedule with the fires the database (and the finals stream) recorded, after
  Redis restarted or lost data: a job whose `nextFireAt` is still the one the admin read (`seen`)
  moves on to `following`, the first fire after the newest recorded one, so a recorded fire never
  fires again; its run counter counts the `lost` recorded fires Redis forgot. The last call of a
  reconcile (`seal`) hands every claim back (scores = `nextFireAt`: the claims armed before the
  restart were refused) and writes the server's run_id to the app's `epoch`, so claims and commits
  start again. Nothing is done when the server's run_id is no longer `runId` (it restarted again
  meanwhile): the admin reconciles anew.

  KEYS[1] schedule: the app's schedule ZSET
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: unused
  ARGV[3] workerTtl: unused
  ARGV[4] seed: unused
  ARGV[5] runId: the server's run_id the reconcile started under (claim-due's EPOCH_CHANGED reply)
  ARGV[6] seal: "1" on the last call: release the claims and write the epoch
  ARGV[7] count: the number of jobs
  ARGV[8..] jobs: 4 values per job: jobId, seen (its nextFireAt when read), following ("" = none:
      the job leaves the schedule), lost (recorded fires at or after `seen`)

  Output: JSON object
    code: OK|EPOCH_CHANGED
    moved: number  jobs moved on (their nextFireAt was still `seen`)
    released: number  claims handed back by the seal
]]
-- @include context
-- @include epoch

local base = ARGV[1]
oasis_check_key(KEYS[1], KEY.schedule(base))
if oasis_run_id() ~= ARGV[5] then return cjson.encode({ code = CODE.EPOCH_CHANGED, moved = 0, released = 0 }) end
local moved = 0
for i = 0, tonumber(ARGV[7]) - 1 do
  local a = 8 + i * 4
  local jobId, seen, following, lost = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local jobKey = KEY.job(base, jobId)
  local h = redis.call('HMGET', jobKey, F.job.nextFireAt)
  if h[1] == seen then
    if following == '' then
      redis.call('HDEL', jobKey, F.job.nextFireAt)
      redis.call('ZREM', KEYS[1], jobId)
    else
      redis.call('HSET', jobKey, F.job.nextFireAt, following)
      redis.call('ZADD', KEYS[1], following, jobId)
    end
    redis.call('HDEL', jobKey, F.job.claimedFor, F.job.claimLate, F.job.claimedBy)
    redis.call('HINCRBY', jobKey, F.job.runs, tonumber(lost))
    moved = moved + 1
  end
end
local released = 0
if ARGV[6] == '1' then
  local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
  for i = 1, #members, 2 do
    local next = redis.call('HGET', KEY.job(base, members[i]), F.job.nextFireAt)
    if next and next ~= '' and tonumber(next) ~= tonumber(members[i + 1]) then
      redis.call('ZADD', KEYS[1], next, members[i])
      released = released + 1
    end
  end
  redis.call('SET', KEY.epoch(base), ARGV[5])
end
return cjson.encode({ code = CODE.OK, moved = moved, released = released })
