--[[
  A worker's heartbeat: marks it alive and renews the leases of the tasks it says it runs.
  Only tasks this worker really holds are renewed; ids it reports but does not hold (reaped as
  LOST, or never its own) are returned so the worker aborts them.

  KEYS[1] running: the app's running ZSET
  KEYS[2] workerRunning: the worker's running SET
  KEYS[3] workers: the app's workers ZSET
  KEYS[4] worker: the worker HASH
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: unused
  ARGV[4] seed: unused
  ARGV[5] workerId: the worker
  ARGV[6] lease: task lease (ms)
  ARGV[7] free: free slots the worker reports
  ARGV[8..] running: ids of the tasks the worker runs

  Output: JSON object
    code: OK|NOT_REGISTERED  NOT_REGISTERED the worker is not registered or was retired
    abort: string[]  the reported ids it does not hold
]]
-- @include schema

if redis.call('HGET', KEYS[4], F.worker.online) ~= '1' then return cjson.encode({ code = CODE.NOT_REGISTERED, abort = {} }) end
local now = tonumber(ARGV[2])
local deadline = now + tonumber(ARGV[6])
redis.call('ZADD', KEYS[3], now, ARGV[5])
redis.call('HSET', KEYS[4], F.worker.lastHeartbeat, now, F.worker.free, ARGV[7], F.worker.running, #ARGV - 7)
local abort = {}
for i = 8, #ARGV do
  if redis.call('SISMEMBER', KEYS[2], ARGV[i]) == 1 then
    redis.call('ZADD', KEYS[1], 'XX', deadline, ARGV[i])
  else
    abort[#abort + 1] = ARGV[i]
  end
end
return cjson.encode({ code = CODE.OK, abort = abort })
