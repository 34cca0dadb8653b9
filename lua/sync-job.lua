--[[
  Writes a job's hot copy after a change. When the job stays enabled with the same plan (schedule
  and misfire settings) and has a pending fire, that fire is kept untouched — an edit of params,
  handler or routing never drops or delays a fire that is already claimed. Otherwise the plan
  version is bumped (so claims of the old plan go stale) and the given next fire replaces the old.
  A job that already ran `maxRuns` scheduled times gets no next fire.

  KEYS[1] job HASH
  KEYS[2] schedule ZSET
  ARGV[1] jobId
  ARGV[2] plan JSON
  ARGV[3] next fire (epoch ms) for a new plan; "" = no fire (stopped, or nothing to fire)
  ARGV[4] "1" when the job is enabled
  ARGV[5..] field/value pairs of the definition (handler, params, routing, timeoutMs, overlap,
          retry*, maxRuns, delayMs, endAt, script, ...)

  Output: the job's effective next fire (epoch ms string), or "" when it has none
]]
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
if #fields > 0 then redis.call('HSET', KEYS[1], unpack(fields)) end
redis.call('HSET', KEYS[1], 'enabled', ARGV[4])
local h = redis.call('HMGET', KEYS[1], 'plan', 'next', 'maxRuns', 'fires')
local maxRuns = tonumber(h[3] or '0') or 0
local done = maxRuns > 0 and (tonumber(h[4] or '0') or 0) >= maxRuns
if ARGV[4] == '1' and h[1] == ARGV[2] and h[2] and h[2] ~= '' and not done then
  return h[2]
end
redis.call('HSET', KEYS[1], 'plan', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'ver', 1)
redis.call('HDEL', KEYS[1], 'claimedFor', 'claimLate', 'delayWait')
if ARGV[4] == '1' and ARGV[3] ~= '' and not done then
  redis.call('HSET', KEYS[1], 'next', ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
  return ARGV[3]
end
redis.call('HDEL', KEYS[1], 'next')
redis.call('ZREM', KEYS[2], ARGV[1])
return ''
