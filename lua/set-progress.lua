--[[
  Stores the latest progress (percent) a worker reports for a task, only while the task is still
  RUNNING and held by that worker: a late or foreign report (the task ended, was reaped as LOST,
  or is another worker's now) changes nothing.

  KEYS[1] task: the task HASH
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: unused
  ARGV[4] seed: unused
  ARGV[5] workerId: the worker reporting
  ARGV[6] value: progress, 0..100

  Output: JSON object
    code: OK|NOT_IN_FLIGHT|NOT_HELD  the codes of complete-tasks.lua: OK stored; NOT_IN_FLIGHT the
      task is not in flight; NOT_HELD it is not running under this worker (another worker holds
      it, or it is still queued)
]]
-- @include task-read

local t = oasis_task_reader({ F.task.status, F.task.workerId })(KEYS[1])
if not t or t.status == '' then return cjson.encode({ code = CODE.NOT_IN_FLIGHT }) end
if t.status ~= 'RUNNING' or t.workerId ~= ARGV[5] then return cjson.encode({ code = CODE.NOT_HELD }) end
redis.call('HSET', KEYS[1], F.task.progress, ARGV[6])
return cjson.encode({ code = CODE.OK })
