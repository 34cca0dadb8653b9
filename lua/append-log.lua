--[[
  Appends execution log lines of a task that is still in flight, keeping at most `cap` lines:
  past the cap one note line says so and further lines are dropped. One call, so a task's log
  batch sent before its result is stored before the result is (same connection, in order).
  Only the worker holding the task (RUNNING under it) may append: lines from another worker of
  the app, or for a task still queued, are refused and change nothing. Lines for a task that is
  already final are dropped (its log was persisted with the record).

  KEYS[1] the task's log LIST
  KEYS[2] the task HASH
  ARGV[1] cap (lines)
  ARGV[2] expiry of the list (ms), a safety net; the writer deletes it with the final record
  ARGV[3] workerId sending the lines
  ARGV[4..] the lines

  Output: number of lines stored after the call; -1 when the task is not in flight; -2 when
    it is not running under this worker (another worker holds it, or it is still queued)
]]
local h = redis.call('HMGET', KEYS[2], 'status', 'worker')
if not h[1] then return -1 end
if h[1] ~= 'RUNNING' or h[2] ~= ARGV[3] then return -2 end
local cap = tonumber(ARGV[1])
local len = redis.call('LLEN', KEYS[1])
if len > cap then return len end
local room = cap - len
local take = {}
for i = 4, #ARGV do
  if #take >= room then
    take[#take + 1] = '[oasis] log capped at ' .. cap .. ' lines; further lines dropped'
    break
  end
  take[#take + 1] = ARGV[i]
end
if #take == 0 then return len end
redis.call('RPUSH', KEYS[1], unpack(take))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return len + #take
