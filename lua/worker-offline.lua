--[[
  One worker went away (disconnected or stopped): it leaves the live set at once and its queued
  tasks move to the shared queue. Running tasks keep their leases: if the worker comes back in
  time it reports them; if not they become LOST.

  KEYS[1] workers: the app's workers ZSET
  KEYS[2] sharedQueue: the app's shared queue LIST
  KEYS[3] worker: the worker HASH
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: unused
  ARGV[4] seed: unused
  ARGV[5] workerId: the worker
  ARGV[6] conn: connection id that went away: only retire the worker when it is still the one on
      record (a worker that already reconnected elsewhere stays); "" = unconditionally

  Output: JSON object
    code: OK|SUPERSEDED  SUPERSEDED a newer connection holds the worker (nothing changed)
    moved: number  queued tasks moved to the shared queue
]]
-- @include offline

if ARGV[6] ~= '' and redis.call('HGET', KEYS[3], F.worker.conn) ~= ARGV[6] then
  return cjson.encode({ code = CODE.SUPERSEDED, moved = 0 })
end
return cjson.encode({ code = CODE.OK, moved = oasis_worker_offline(ARGV[1], KEYS[1], KEYS[2], ARGV[5]) })
