--[[
  Stores the latest progress (percent) a worker reports for a task, only while the task is still
  RUNNING and held by that worker: a late or foreign report (the task ended, was reaped as LOST,
  or is another worker's now) changes nothing.

  KEYS[1] the task HASH
  ARGV[1] workerId reporting
  ARGV[2] progress, 0..100

  Output: 1 when stored; 0 when the task is not in flight; -1 when it is not running under this
    worker (another worker holds it, or it is still queued) — the codes of complete-tasks.lua
]]
local h = redis.call('HMGET', KEYS[1], 'status', 'worker')
if not h[1] then return 0 end
if h[1] ~= 'RUNNING' or h[2] ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'progress', ARGV[2])
return 1
