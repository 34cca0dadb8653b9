--[[
  A worker's handshake passed: it is registered (live, routed to) from now with its current
  connection, and no longer counts as disconnected. Every task waiting for a worker stops
  waiting (the worker pulls them). When the handshake lists the tasks the worker holds (a worker
  restarted with the same id lists none), the tasks the app had under it that are not in the
  list are released at once: running ones end LOST (retried per the job's policy), delivered
  ones never acknowledged go back to a queue; a delivered task in the list counts as
  acknowledged. Also records the admin's no-worker grace for the app.

  KEYS[1] worker: the worker HASH
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: ms; workers silent longer are not routed to (retries, released fires)
  ARGV[4] seed: seeds math.random (routing of released fires, retry jitter)
  ARGV[5] workerId: the worker
  ARGV[6] concurrency: most tasks it runs at once
  ARGV[7] handlers: handler names it serves (JSON array)
  ARGV[8] host: host name it reported ("" = none)
  ARGV[9] pid: process id it reported ("" = none)
  ARGV[10] adminId: admin its connection is on
  ARGV[11] conn: id of its connection
  ARGV[12] noWorkerGrace: OASIS_NO_WORKER_GRACE_MS (ms); "" = leave the app's recorded grace as it is
  ARGV[13] lease: task lease (ms), for a delivered task the list acknowledges
  ARGV[14] timeoutGrace: ms added to a task's timeout for the admin's watchdog
  ARGV[15] listed: "1" when the handshake lists the tasks the worker holds, "" when it does not
  ARGV[16..] holding: the ids of the tasks the worker holds

  Output: JSON object with effects
    code: OK
    lost: string[]  tasks it had here but no longer holds, ended LOST
    requeued: number  delivered tasks it no longer holds, put back in a queue
]]
-- @include offline

local C = oasis_ctx()
local w = ARGV[5]
oasis_check_key(KEYS[1], KEY.worker(C.base, w))
if ARGV[12] ~= '' then redis.call('SET', KEY.noWorkerGrace(C.base), ARGV[12]) end
redis.call('HSET', KEYS[1], F.worker.workerId, w, F.worker.concurrency, ARGV[6], F.worker.handlers, ARGV[7],
  F.worker.host, ARGV[8], F.worker.pid, ARGV[9], F.worker.adminId, ARGV[10], F.worker.conn, ARGV[11],
  F.worker.online, '1', F.worker.connectedAt, C.now, F.worker.lastHeartbeat, C.now, F.worker.disconnectedAt, '')
redis.call('PERSIST', KEYS[1])
redis.call('ZADD', C.k.workers, C.now, w)
redis.call('ZREM', C.k.disconnected, w)
redis.call('SADD', KEY.knownWorkers(C.base), w)
C.live = nil
for _, id in ipairs(redis.call('ZRANGE', C.k.waiting, 0, -1)) do redis.call('HDEL', KEY.task(C.base, id), F.task.waitingSince) end
redis.call('DEL', C.k.waiting)
local lost, requeued = {}, 0
if ARGV[15] == '1' then
  local keep = {}
  for i = 16, #ARGV do keep[ARGV[i]] = true end
  lost, requeued = oasis_release_held(C, w, keep, 'worker ' .. w .. ' restarted without it', tonumber(ARGV[13]), tonumber(ARGV[14]))
end
local running = redis.call('SCARD', KEY.workerRunning(C.base, w))
local conc = tonumber(ARGV[6])
redis.call('HSET', KEYS[1], F.worker.running, running, F.worker.free, math.max(0, conc - running))
return oasis_reply(C, { code = CODE.OK, lost = lost, requeued = requeued })
