--[[
  Puts delivered tasks back that their worker never acknowledged in time (the pull reply was
  lost: the admin froze or died, or the worker did): each goes back to the front of its queue
  (its worker's own queue while that worker is live, else the shared one), QUEUED again, and its
  target is woken. It never started, so it is never recorded LOST. Puts nothing back while the
  app's epoch is another server run's (the reconcile first forgets what ended). Safe to run from
  any number of admins at once.

  KEYS[1] unacked: the app's unacked ZSET (taskId -> acknowledgement deadline)
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: ms; workers silent longer are not live (their own queue is not used)
  ARGV[4] seed: unused
  ARGV[5] limit: at most this many tasks per call

  Output: JSON object with effects
    code: OK
    requeued: string[]  the tasks put back
]]
-- @include routing
-- @include epoch

local C = oasis_ctx()
oasis_check_key(KEYS[1], C.k.unacked)
local requeued = {}
if oasis_epoch_stale(C.base) then return oasis_reply(C, { code = CODE.OK, requeued = requeued }) end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', C.now, 'LIMIT', 0, tonumber(ARGV[5]))) do
  local t = oasis_read_task(C, id)
  if t and t.status == 'RUNNING' and t.ackBy ~= '' then
    oasis_redeliver(C, t)
    requeued[#requeued + 1] = id
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return oasis_reply(C, { code = CODE.OK, requeued = requeued })
