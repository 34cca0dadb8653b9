--[[
  A worker's heartbeat: marks it alive and renews the leases of the tasks it says it runs (a
  delivered task it reports counts as acknowledged: include/delivery.lua). Only tasks this worker
  really holds are renewed; ids it reports but does not hold (reaped as LOST, back in a queue, or
  never its own) are returned so the worker aborts them. A worker whose connection closed
  (`disconnectedAt`) stays out of the routed set until it registers again, but its heartbeats
  (e.g. from its liveness connection) keep it from being retired.

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
  ARGV[8] timeoutGrace: ms added to a task's timeout for the admin's watchdog (a task acknowledged here)
  ARGV[9] clockOffset: the worker's measured clock offset (ms) sent with the heartbeat; "" keeps the one stored
  ARGV[10..] running: ids of the tasks the worker runs

  Output: JSON object
    code: OK|NOT_REGISTERED  NOT_REGISTERED the worker is not registered or was retired
    abort: string[]  the reported ids it does not hold
]]
-- @include context
-- @include delivery

oasis_check_key(KEYS[1], KEY.running(ARGV[1]))
if redis.call('HGET', KEYS[4], F.worker.online) ~= '1' then return cjson.encode({ code = CODE.NOT_REGISTERED, abort = {} }) end
local now = tonumber(ARGV[2])
local lease = tonumber(ARGV[6])
local grace = tonumber(ARGV[8])
if (redis.call('HGET', KEYS[4], F.worker.disconnectedAt) or '') == '' then redis.call('ZADD', KEYS[3], now, ARGV[5]) end
redis.call('HSET', KEYS[4], F.worker.lastHeartbeat, now, F.worker.free, ARGV[7], F.worker.running, redis.call('SCARD', KEYS[2]))
if ARGV[9] ~= '' then redis.call('HSET', KEYS[4], F.worker.clockOffset, ARGV[9]) end
local abort = {}
for i = 10, #ARGV do
  if not oasis_ack(ARGV[1], ARGV[i], ARGV[5], now, lease, grace) then abort[#abort + 1] = ARGV[i] end
end
return cjson.encode({ code = CODE.OK, abort = abort })
