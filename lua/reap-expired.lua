--[[
  Ends running tasks nobody answers for: a task whose lease ran out (its worker stopped
  heartbeating or vanished) becomes LOST; a task past its watchdog deadline (timeout + grace, set
  at pull) becomes TIMEOUT and its worker is told to abort. Either may be retried by the job's
  policy. Safe to run from any number of admins at once.

  ARGV[1] now (epoch ms)
  ARGV[2] app key base
  ARGV[3] limit per call
  ARGV[4] worker TTL (ms)
  ARGV[5] random seed

  Output: JSON {r, wake, kill, resched} (see include/task.lua); r = {lost ids, timed-out ids}
]]
-- @include task

local C = oasis_ctx(ARGV[2], ARGV[1], ARGV[4], ARGV[5])
local lost, timedOut = {}, {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', C.k.running, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))) do
  local worker = redis.call('HGET', C.base .. 'task:' .. id, 'worker') or '?'
  if oasis_finalize(C, id, 'LOST', '', 'lease expired: worker ' .. worker .. ' stopped renewing it', '', C.now) then
    lost[#lost + 1] = id
  else
    redis.call('ZREM', C.k.running, id)
  end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', C.k.deadlines, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))) do
  local t = redis.call('HMGET', C.base .. 'task:' .. id, 'worker', 'timeoutMs')
  if t[1] then
    C.kill[#C.kill + 1] = { id, t[1] }
    oasis_finalize(C, id, 'TIMEOUT', '',
      'admin watchdog: no result within the ' .. (t[2] or '?') .. ' ms timeout (and grace)', '', C.now)
    timedOut[#timedOut + 1] = id
  else
    redis.call('ZREM', C.k.deadlines, id)
  end
end
return oasis_effects(C, { lost, timedOut })
