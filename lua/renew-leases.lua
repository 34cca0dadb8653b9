--[[
  A worker's heartbeat: marks it alive and renews the leases of the tasks it says it runs.
  Only tasks this worker really holds are renewed; ids it reports but does not hold (reaped as
  LOST, or never its own) are returned so the worker aborts them.

  KEYS[1] running ZSET
  KEYS[2] the worker's running SET
  KEYS[3] workers ZSET
  KEYS[4] the worker HASH
  ARGV[1] workerId
  ARGV[2] now (epoch ms)
  ARGV[3] task lease (ms)
  ARGV[4] free slots the worker reports
  ARGV[5..] ids of the tasks the worker runs

  Output: the reported ids it does not hold; -1 when the worker is not registered or offline
]]
if redis.call('HGET', KEYS[4], 'online') ~= '1' then return -1 end
local now = tonumber(ARGV[2])
local deadline = now + tonumber(ARGV[3])
redis.call('ZADD', KEYS[3], now, ARGV[1])
redis.call('HSET', KEYS[4], 'lastHeartbeat', now, 'free', ARGV[4], 'running', #ARGV - 4)
local foreign = {}
for i = 5, #ARGV do
  if redis.call('SISMEMBER', KEYS[2], ARGV[i]) == 1 then
    redis.call('ZADD', KEYS[1], 'XX', deadline, ARGV[i])
  else
    foreign[#foreign + 1] = ARGV[i]
  end
end
return foreign
