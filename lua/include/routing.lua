--[[
  Which worker gets a task (included with `-- @include routing`; it brings the lifecycle along).

  oasis_live(C) -> the app's live workers (heartbeat within the TTL), sorted by id; C.beat holds
  each one's last heartbeat.
  oasis_pick(C, jobId, routing) -> a worker id, "" for the app's shared queue (BUSYOVER), or false
  when no worker is online. Routing state (round-robin counter, LFU hash, LRU ZSET) lives in Redis,
  so it is the same for every admin.
  oasis_dispatch(C, t, routing, fresh) -> the ids of the tasks (or NO_WORKER records) made: routes
  a task. SHARDING_BROADCAST turns a first attempt into one task per live worker (ids
  "<id>-s<i>"); a retried shard goes to the shared queue. With no worker online the task waits
  for one on the shared queue (oasis_wait_for_worker) when the app's no-worker grace is > 0,
  else it ends NO_WORKER at once (and may be retried). `fresh` = a new outcome of a scheduled
  fire (counted for FIXED_DELAY); false when a buffered or delayed task is routed.

  oasis_no_worker_grace(C) -> OASIS_NO_WORKER_GRACE_MS as the admins last wrote it for the app
  (KEY.noWorkerGrace: saving a job of the app, sweeps, worker registration and disconnect write it; absent = 0).
  oasis_wait_for_worker(C, t): queues `t` on the shared queue, waiting for a worker since now
  (`waitingSince`, the `waiting` ZSET); the sweep ends it NO_WORKER past the grace
  (reap-expired.lua), the first pull takes it, a registration ends every wait.
  oasis_await_any(C): when no worker is live any more, the tasks already on the shared queue wait
  for one too (a worker left with the last connection).
  oasis_redeliver(C, t): a delivered task `t` (RUNNING with `ackBy`) its worker never
  acknowledged goes back to the front of its queue (its worker's own queue while that worker is
  live, else the shared one), QUEUED again: it never started, so it is never LOST.
]]
-- @include lifecycle

local function oasis_live(C)
  if not C.live then
    local flat = redis.call('ZRANGEBYSCORE', C.k.workers, C.now - C.ttl, '+inf', 'WITHSCORES')
    local ids, beat = {}, {}
    for i = 1, #flat, 2 do
      ids[#ids + 1] = flat[i]
      beat[flat[i]] = tonumber(flat[i + 1])
    end
    -- FIRST / LAST / FAILOVER need a stable order.
    table.sort(ids)
    C.live, C.beat = ids, beat
  end
  return C.live
end

local function oasis_pick(C, jobId, routing)
  local live = oasis_live(C)
  local n = #live
  if n == 0 then return false end
  if routing == 'FIRST' then return live[1] end
  if routing == 'LAST' then return live[n] end
  if routing == 'ROUND_ROBIN' then
    local c = redis.call('HINCRBY', KEY.job(C.base, jobId), F.job.rr, 1)
    return live[((c - 1) % n) + 1]
  end
  if routing == 'RANDOM' then return live[math.random(n)] end
  if routing == 'CONSISTENT_HASH' then
    -- Rendezvous hashing: the worker with the highest hash of (job, worker) wins; a job moves
    -- only when its winner leaves or a new worker out-hashes it.
    local best, bestH = live[1], nil
    for _, w in ipairs(live) do
      local h = redis.sha1hex(jobId .. '@' .. w)
      if not bestH or h > bestH then best, bestH = w, h end
    end
    return best
  end
  if routing == 'LEAST_FREQUENTLY_USED' then
    local key = KEY.lfu(C.base, jobId)
    local counts = redis.call('HMGET', key, unpack(live))
    local best, bestC = live[1], nil
    for i, w in ipairs(live) do
      local c = tonumber(counts[i] or '0') or 0
      if not bestC or c < bestC then best, bestC = w, c end
    end
    redis.call('HINCRBY', key, best, 1)
    redis.call('PEXPIRE', key, 86400000)
    return best
  end
  if routing == 'LEAST_RECENTLY_USED' then
    local key = KEY.lru(C.base, jobId)
    local used = redis.call('ZMSCORE', key, unpack(live))
    local best, bestT = live[1], nil
    for i, w in ipairs(live) do
      local t = tonumber(used[i] or '-1') or -1
      if not bestT or t < bestT then best, bestT = w, t end
    end
    redis.call('ZADD', key, C.now, best)
    redis.call('PEXPIRE', key, 86400000)
    return best
  end
  if routing == 'FAILOVER' then
    -- The first worker (by id) whose heartbeat is fresh: within half the TTL, i.e. it has not
    -- missed a beat; when none is that fresh, the first live one.
    local fresh = C.now - C.ttl / 2
    for _, w in ipairs(live) do
      if C.beat[w] >= fresh then return w end
    end
    return live[1]
  end
  return ''
end

local function oasis_no_worker_grace(C)
  if C.grace == nil then C.grace = tonumber(redis.call('GET', KEY.noWorkerGrace(C.base)) or '0') or 0 end
  return C.grace
end

local function oasis_mark_waiting(C, id)
  redis.call('HSET', KEY.task(C.base, id), F.task.waitingSince, C.now)
  redis.call('ZADD', C.k.waiting, 'NX', C.now, id)
end

local function oasis_wait_for_worker(C, t)
  oasis_queue(C, t, '')
  oasis_mark_waiting(C, t.id)
end

local function oasis_await_any(C)
  if #oasis_live(C) > 0 or oasis_no_worker_grace(C) <= 0 then return end
  for _, id in ipairs(redis.call('LRANGE', C.k.sharedQueue, 0, -1)) do
    if redis.call('ZSCORE', C.k.waiting, id) == false and redis.call('EXISTS', KEY.task(C.base, id)) == 1 then
      oasis_mark_waiting(C, id)
    end
  end
end

local function oasis_redeliver(C, t)
  local key = KEY.task(C.base, t.id)
  redis.call('ZREM', C.k.unacked, t.id)
  if t.workerId ~= '' then redis.call('SREM', KEY.workerRunning(C.base, t.workerId), t.id) end
  redis.call('HDEL', key, F.task.ackBy, F.task.workerId, F.task.startedAt)
  local target = t.target
  if target ~= '' then
    local beat = tonumber(redis.call('ZSCORE', C.k.workers, target) or '')
    if not beat or beat < C.now - C.ttl then target = '' end
  end
  redis.call('HSET', key, F.task.status, 'QUEUED', F.task.target, target)
  if target == '' then
    redis.call('RPUSH', C.k.sharedQueue, t.id)
    if #oasis_live(C) == 0 and oasis_no_worker_grace(C) > 0 then oasis_mark_waiting(C, t.id) end
  else
    redis.call('RPUSH', KEY.workerQueue(C.base, target), t.id)
  end
  C.wake[target] = true
end

oasis_dispatch = function(C, t, routing, fresh)
  local jobKey = KEY.job(C.base, t.jobId)
  local live = oasis_live(C)
  if routing == 'SHARDING_BROADCAST' and tostring(t.shardTotal) == '1' and #live > 0 then
    if t.fixedDelay == '1' then
      redis.call('HINCRBY', jobKey, F.job.delayWait, fresh and #live or #live - 1)
    end
    local ids = {}
    for i, w in ipairs(live) do
      local s = oasis_copy(t)
      s.id = t.id .. '-s' .. (i - 1)
      s.shardIndex = i - 1
      s.shardTotal = #live
      oasis_queue(C, s, w)
      ids[i] = s.id
    end
    return ids
  end
  if fresh and t.fixedDelay == '1' then redis.call('HINCRBY', jobKey, F.job.delayWait, 1) end
  local target = false
  if tostring(t.shardTotal) ~= '1' then
    if #live > 0 then target = '' end
  else
    target = oasis_pick(C, t.jobId, routing)
  end
  if target == false then
    t.workerId = ''
    if oasis_no_worker_grace(C) > 0 then
      oasis_wait_for_worker(C, t)
    else
      oasis_end(C, t, oasis_outcome(C, 'NO_WORKER', 'no worker of app is online'))
    end
  else
    oasis_queue(C, t, target)
  end
  return { t.id }
end
