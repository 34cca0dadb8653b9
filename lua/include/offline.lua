--[[
  A worker's connection closing, and retiring a worker for good (included with
  `-- @include offline`; shared by worker-offline.lua, reap-workers.lua and register-worker.lua).

  oasis_worker_gone(h, now, ttl, grace) -> true when a worker is gone for good, false while it
  may still be alive: THE one rule of retiring. `h` holds its `lastHeartbeat` and
  `disconnectedAt` (F.worker). Gone = its last heartbeat is older than the worker TTL, or its
  connection closed (to every admin) at least `grace` (OASIS_WORKER_RECONNECT_GRACE_MS) ago and
  its last heartbeat is older than `grace` too. A busy worker whose heartbeats are recent (its
  liveness connection beats while a handler blocks its main one) is never gone.

  oasis_reroute_queued(C, workerId) -> the number of tasks moved: every task still queued for the
  worker moves to the app's shared queue (any other worker may pull it); when no worker is live
  any more they wait for one (oasis_await_any).

  oasis_retire(C, workerId, why) -> lost, requeued: the worker leaves the routed and the
  disconnected sets and is marked offline; its queued tasks move to the shared queue, its
  delivered tasks never acknowledged go back to a queue (never LOST), its running tasks end LOST
  with `why` as the error (retried per the job's policy).

  oasis_release_held(C, workerId, keep, why, lease, timeoutGrace) -> lost, requeued: the same for
  the tasks the worker holds that are not in the set `keep` (id -> true); used by retire
  (keep = {}) and by a registration that lists what the worker still holds. A delivered task in
  `keep` counts as acknowledged (its lease `lease`, its watchdog timeout + `timeoutGrace`).
]]
-- @include lifecycle
-- @include delivery

local function oasis_worker_gone(h, now, ttl, grace)
  local beat = tonumber(h.lastHeartbeat or '') or 0
  if now - beat > ttl then return true end
  local since = tonumber(h.disconnectedAt or '')
  return since ~= nil and now - since >= grace and now - beat >= grace
end

local function oasis_reroute_queued(C, workerId)
  local own = KEY.workerQueue(C.base, workerId)
  local moved = 0
  while true do
    local id = redis.call('RPOPLPUSH', own, C.k.sharedQueue)
    if not id then break end
    redis.call('HSET', KEY.task(C.base, id), F.task.target, '')
    moved = moved + 1
  end
  if moved > 0 then C.wake[''] = true end
  oasis_await_any(C)
  return moved
end

local function oasis_release_held(C, workerId, keep, why, lease, timeoutGrace)
  local lost, requeued = {}, 0
  for _, id in ipairs(redis.call('SMEMBERS', KEY.workerRunning(C.base, workerId))) do
    local t = oasis_read_task(C, id)
    if not t or t.status ~= 'RUNNING' or t.workerId ~= workerId then
      redis.call('SREM', KEY.workerRunning(C.base, workerId), id)
    elseif keep[id] then
      if t.ackBy ~= '' then oasis_ack(C.base, id, workerId, C.now, lease, timeoutGrace) end
    elseif t.ackBy ~= '' then
      oasis_redeliver(C, t)
      requeued = requeued + 1
    else
      oasis_finalize(C, t, oasis_outcome(C, 'LOST', why))
      lost[#lost + 1] = id
    end
  end
  return lost, requeued
end

local function oasis_retire(C, workerId, why)
  redis.call('ZREM', C.k.workers, workerId)
  redis.call('ZREM', C.k.disconnected, workerId)
  local key = KEY.worker(C.base, workerId)
  if redis.call('EXISTS', key) == 1 then redis.call('HSET', key, F.worker.online, '0') end
  C.live = nil
  oasis_reroute_queued(C, workerId)
  return oasis_release_held(C, workerId, {}, why, 0, 0)
end
