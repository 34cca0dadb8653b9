--[[
  Ends tasks a worker reports as done. A result counts only from the worker that holds the task's
  lease and for the attempt it runs; a repeated report of a task already final is a harmless
  duplicate. Each accepted result becomes a final record in the app's finals STREAM; a failure
  may plan a retry, and the end of a run may release a buffered fire or plan a FIXED_DELAY fire.

  ARGV[1] app key base
  ARGV[2] workerId
  ARGV[3] now (epoch ms)
  ARGV[4] worker TTL (ms)
  ARGV[5] random seed
  ARGV[6] N, the number of results; then 7 values per result:
          taskId, attempt, status, output, error, startedAt, finishedAt

  Output: JSON {r, wake, kill, resched} (see include/task.lua); r has one value per result:
    1 accepted, 0 duplicate (not in flight any more), -1 rejected (held by another worker or
    another attempt, or not running)
]]
-- @include task

local C = oasis_ctx(ARGV[1], ARGV[3], ARGV[4], ARGV[5])
local worker = ARGV[2]
local n = tonumber(ARGV[6])
local out = {}
for i = 0, n - 1 do
  local a = 7 + i * 7
  local taskId = ARGV[a]
  local t = oasis_read_task(C, taskId)
  if not t then
    out[#out + 1] = 0
  elseif t.status ~= 'RUNNING' or t.worker ~= worker or t.attempt ~= ARGV[a + 1] then
    out[#out + 1] = -1
  else
    oasis_finalize(C, taskId, ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6], t)
    out[#out + 1] = 1
  end
end
return oasis_effects(C, out)
