--[[
  Appends execution log lines of a task that is still in flight, keeping at most `cap` lines:
  past the cap one note line says so and further lines are dropped. One call, so a task's log
  batch sent before its result is stored before the result is (same connection, in order).
  Only the worker holding the task (RUNNING under it) may append: lines from another worker of
  the app, or for a task still queued, are refused and change nothing. Lines for a task that is
  already final are dropped (its log was persisted with the record).

  KEYS[1] log: the task's log LIST
  KEYS[2] task: the task HASH
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: unused
  ARGV[4] seed: unused
  ARGV[5] workerId: the worker sending the lines
  ARGV[6] cap: most lines kept
  ARGV[7] expiry: ms; expiry of the list, a safety net (the writer deletes it with the final record)
  ARGV[8..] lines: the lines

  Output: JSON object
    code: OK|NOT_IN_FLIGHT|NOT_HELD  NOT_IN_FLIGHT the task is not in flight; NOT_HELD it is not
      running under this worker (another worker holds it, or it is still queued)
    stored?: number  lines stored after the call (with OK)
]]
-- @include task-read

local t = oasis_task_reader({ F.task.status, F.task.workerId })(KEYS[2])
if not t or t.status == '' then return cjson.encode({ code = CODE.NOT_IN_FLIGHT }) end
if t.status ~= 'RUNNING' or t.workerId ~= ARGV[5] then return cjson.encode({ code = CODE.NOT_HELD }) end
local cap = tonumber(ARGV[6])
local len = redis.call('LLEN', KEYS[1])
if len > cap then return cjson.encode({ code = CODE.OK, stored = len }) end
local room = cap - len
local take = {}
for i = 8, #ARGV do
  if #take >= room then
    take[#take + 1] = '[oasis] log capped at ' .. cap .. ' lines; further lines dropped'
    break
  end
  take[#take + 1] = ARGV[i]
end
if #take > 0 then
  redis.call('RPUSH', KEYS[1], unpack(take))
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[7]))
end
return cjson.encode({ code = CODE.OK, stored = len + #take })
