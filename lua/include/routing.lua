--[[
  Which worker gets a task (included with `-- @include routing`; it brings the lifecycle along).

  oasis_live(C) -> the app's live workers (heartbeat within the TTL), sorted by id; C.beat holds
  each one's last heartbeat.
  oasis_pick(C, jobId, routing) -> a worker id, "" for the app's shared queue (BUSYOVER), or false
  when no worker is online. Routing state (round-robin counter, LFU hash, LRU ZSET) lives in Redis,
  so it is the same for every admin.
  oasis_dispatch(C, t, routing, fresh) -> the ids of the tasks (or NO_WORKER records) made: routes
  a task. SHARDING_BROADCAST turns a first attempt into one task per live worker (ids
  "<id>-s<i>"); a retried shard goes to the shared queue. With no worker online the task ends
  NO_WORKER at once (and may be retried). `fresh` = a new outcome of a scheduled fire (counted for
  FIXED_DELAY); false when a buffered or delayed task is routed.
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
    oasis_end(C, t, oasis_outcome(C, 'NO_WORKER', 'no worker of app is online'))
  else
    oasis_queue(C, t, target)
  end
  return { t.id }
end
