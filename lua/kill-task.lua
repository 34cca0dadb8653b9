--[[
  Kills one task of the app: queued, buffered or waiting for a retry it ends at once; running, it
  ends too and its worker is told to abort (a later result of it is a harmless duplicate).
  The final status is KILLED, never retried.

  ARGV[1] now (epoch ms)
  ARGV[2] app key base
  ARGV[3] worker TTL (ms)
  ARGV[4] taskId
  ARGV[5] reason (kept as the record's error)

  Output: JSON {r, wake, kill, resched} (see include/task.lua); r = 1 killed, 0 not in flight
]]
-- @include task

local C = oasis_ctx(ARGV[2], ARGV[1], ARGV[3], '')
return oasis_effects(C, oasis_kill(C, ARGV[4], ARGV[5]) and 1 or 0)
