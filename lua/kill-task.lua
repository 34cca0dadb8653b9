--[[
  Kills one task of the app: queued, buffered or waiting for a retry it ends at once; running, it
  ends too and its worker is told to abort (a later result of it is a harmless duplicate).
  The final status is KILLED, never retried.

  KEYS[1] task: the task HASH
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: ms; workers silent longer are not routed to (a released buffered fire)
  ARGV[4] seed: seeds math.random (routing of a released buffered fire)
  ARGV[5] taskId: the task
  ARGV[6] reason: kept as the record's error

  Output: JSON object with effects
    code: OK|NOT_IN_FLIGHT  OK killed; NOT_IN_FLIGHT the task is not in flight
]]
-- @include lifecycle

local C = oasis_ctx()
oasis_check_key(KEYS[1], KEY.task(C.base, ARGV[5]))
return oasis_reply(C, { code = oasis_kill(C, ARGV[5], ARGV[6]) and CODE.OK or CODE.NOT_IN_FLIGHT })
