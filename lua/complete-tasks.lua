--[[
  Ends tasks a worker reports as done. A result counts only from the worker that holds the task's
  lease and for the attempt it runs; a repeated report of a task already final is a harmless
  duplicate. Each accepted result becomes a final record in the app's finals STREAM.

  KEYS[1] running ZSET
  KEYS[2] finals STREAM
  KEYS[3] inflight ZSET
  ARGV[1] app key base
  ARGV[2] workerId
  ARGV[3] N, the number of results; then 7 values per result:
          taskId, attempt, status, output, error, startedAt, finishedAt

  Output: one value per result: 1 accepted, 0 duplicate (not in flight any more),
          -1 rejected (held by another worker or another attempt, or not running)
]]
-- @include finalize

local base = ARGV[1]
local worker = ARGV[2]
local n = tonumber(ARGV[3])
local out = {}
for i = 0, n - 1 do
  local a = 4 + i * 7
  local taskId = ARGV[a]
  local t = redis.call('HMGET', base .. 'task:' .. taskId, 'status', 'worker', 'attempt')
  if not t[1] then
    out[#out + 1] = 0
  elseif t[1] ~= 'RUNNING' or t[2] ~= worker or t[3] ~= ARGV[a + 1] then
    out[#out + 1] = -1
  else
    oasis_finalize(base, KEYS[2], KEYS[1], KEYS[3], taskId, ARGV[a + 2], ARGV[a + 3], ARGV[a + 4],
      ARGV[a + 5], ARGV[a + 6])
    out[#out + 1] = 1
  end
end
return out
