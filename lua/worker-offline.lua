--[[
  One worker's connection closed: it is marked disconnected (since now) and leaves the routed
  set at once, and its queued tasks move to the shared queue. It is not retired here: its running
  and delivered tasks stay its own while it may come back (to any admin) within the reconnect
  grace; reap-workers.lua retires it once include/offline.lua's rule says it is gone. Also
  records the admin's no-worker grace for the app (the moved tasks may have to wait for a worker).

  KEYS[1] workers: the app's workers ZSET
  KEYS[2] sharedQueue: the app's shared queue LIST
  KEYS[3] worker: the worker HASH
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: ms; workers silent longer are not live (whether the moved tasks wait)
  ARGV[4] seed: unused
  ARGV[5] workerId: the worker
  ARGV[6] conn: connection id that went away: only mark the worker when it is still the one on
      record (a worker that already reconnected elsewhere stays); "" = unconditionally
  ARGV[7] noWorkerGrace: OASIS_NO_WORKER_GRACE_MS (ms)

  Output: JSON object
    code: OK|SUPERSEDED  SUPERSEDED a newer connection holds the worker (nothing changed)
    moved: number  queued tasks moved to the shared queue
]]
-- @include offline

local C = oasis_ctx()
oasis_check_key(KEYS[1], C.k.workers)
oasis_check_key(KEYS[2], C.k.sharedQueue)
redis.call('SET', KEY.noWorkerGrace(C.base), ARGV[7])
if ARGV[6] ~= '' and redis.call('HGET', KEYS[3], F.worker.conn) ~= ARGV[6] then
  return cjson.encode({ code = CODE.SUPERSEDED, moved = 0 })
end
redis.call('ZREM', KEYS[1], ARGV[5])
redis.call('ZADD', C.k.disconnected, C.now, ARGV[5])
redis.call('HSET', KEYS[3], F.worker.disconnectedAt, C.now)
return cjson.encode({ code = CODE.OK, moved = oasis_reroute_queued(C, ARGV[5]) })
