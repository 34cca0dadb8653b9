--[[
  After Redis restarted from older data (reconcile, lua/reconcile-fires.lua): forgets the tasks
  the older copy still holds in flight (queued, delivered, running, waiting for a retry or
  buffered) although they already ended — their final record is in the database or the finals
  stream. Left in place they would be handed to a worker again (a queued or delivered copy of a
  fire that ran and was recorded), so a recorded run would run twice. Each is taken out of every
  queue and index like an end, and what its end did next happens again (include/lifecycle.lua
  oasis_after_run: a FIXED_DELAY job plans its next fire, the oldest buffered fire goes), but no
  second final record is written. A task no longer in flight is left alone. Nothing is done when
  the server's run_id is no longer `runId` (it restarted again meanwhile): the admin reconciles
  anew.

  KEYS[1] inflight: the app's inflight ZSET
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: ms; workers silent longer are not routed to (a released buffered fire)
  ARGV[4] seed: seeds math.random (routing of a released buffered fire)
  ARGV[5] runId: the server's run_id the reconcile started under
  ARGV[6..] tasks: ids of the in-flight tasks whose final record exists

  Output: JSON object with effects
    code: OK|EPOCH_CHANGED
    forgotten: number  tasks taken out of flight
]]
-- @include lifecycle
-- @include epoch

local C = oasis_ctx()
oasis_check_key(KEYS[1], C.k.inflight)
if oasis_run_id() ~= ARGV[5] then return oasis_reply(C, { code = CODE.EPOCH_CHANGED, forgotten = 0 }) end
local forgotten = 0
for i = 6, #ARGV do
  local id = ARGV[i]
  local t = oasis_read_task(C, id)
  if t then
    if t.target ~= '' then redis.call('LREM', KEY.workerQueue(C.base, t.target), 0, id) end
    redis.call('LREM', C.k.sharedQueue, 0, id)
    redis.call('LREM', KEY.buffer(C.base, t.jobId), 0, id)
    oasis_forget(C, t)
    oasis_after_run(C, t)
    forgotten = forgotten + 1
  end
end
return oasis_reply(C, { code = CODE.OK, forgotten = forgotten })
