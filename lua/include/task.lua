--[[
  The life of a task, shared by every script that creates, routes or ends tasks
  (included with `-- @include task`). Scripts stay one slot: every key is built from the app
  key base ("<prefix>{<app>}:"); the suffixes below mirror server/src/store/keys.ts (a test
  keeps them equal).

  oasis_ctx(base, now, ttl, seed) -> C: per-call context. `ttl` = worker TTL (ms): workers with an
  older heartbeat are not routed to. `seed` seeds math.random (RANDOM routing, retry jitter).
  C collects the effects the caller reports back to the admin (oasis_effects):
    wake   = targets to wake ("" = the app's shared queue, else a worker id),
    kill   = {taskId, workerId} pairs whose worker must abort the task,
    resched = true when a job got a new next fire outside the scheduler (FIXED_DELAY) or a retry
              was planned (schedulers route due retries).

  A task hash holds: id, jobId, handler, params, scheduledAt, attempt, trigger, shardIndex,
  shardTotal, timeoutMs, status (QUEUED | RUNNING), target, worker, createdAt, startedAt,
  chain ("1": a scheduled fire of a FIXED_DELAY job, whose end plans the next fire), kids ("1":
  the job has child jobs: its final records tell the writer to fire them),
  script (JSON {language, source, version} of a script job, or absent), retryAt, buffered.
]]
local OASIS_SUFFIX = {
  schedule = 'schedule', shared = 'q:shared', running = 'running', inflight = 'inflight',
  finals = 'finals', workers = 'workers', delayed = 'delayed', deadlines = 'deadlines',
}
local OASIS_TASK_FIELDS = { 'id', 'jobId', 'handler', 'params', 'scheduledAt', 'attempt', 'trigger',
  'shardIndex', 'shardTotal', 'timeoutMs', 'chain', 'script', 'worker', 'startedAt', 'status', 'target',
  'retryAt', 'buffered', 'kids' }

local function oasis_ctx(base, now, ttl, seed)
  local C = { base = base, now = tonumber(now), ttl = tonumber(ttl), wake = {}, kill = {}, resched = false, k = {} }
  for name, suffix in pairs(OASIS_SUFFIX) do C.k[name] = base .. suffix end
  if seed and seed ~= '' then math.randomseed(tonumber(seed)) end
  return C
end

local function oasis_effects(C, r)
  local wake = {}
  for target in pairs(C.wake) do wake[#wake + 1] = target end
  return cjson.encode({ r = r, wake = wake, kill = C.kill, resched = C.resched })
end

-- Live workers of the app, sorted by id (FIRST / LAST / FAILOVER need a stable order).
local function oasis_live(C)
  if not C.live then
    local flat = redis.call('ZRANGEBYSCORE', C.k.workers, C.now - C.ttl, '+inf', 'WITHSCORES')
    local ids, beat = {}, {}
    for i = 1, #flat, 2 do
      ids[#ids + 1] = flat[i]
      beat[flat[i]] = tonumber(flat[i + 1])
    end
    table.sort(ids)
    C.live, C.beat = ids, beat
  end
  return C.live
end

-- The worker a task of `jobId` goes to: a worker id, "" for the shared queue (BUSYOVER), or
-- false when no worker is online.
local function oasis_pick(C, jobId, routing)
  local live = oasis_live(C)
  local n = #live
  if n == 0 then return false end
  if routing == 'FIRST' then return live[1] end
  if routing == 'LAST' then return live[n] end
  if routing == 'ROUND_ROBIN' then
    local c = redis.call('HINCRBY', C.base .. 'job:' .. jobId, 'rr', 1)
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
    local key = C.base .. 'lfu:' .. jobId
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
    local key = C.base .. 'lru:' .. jobId
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

local function oasis_read_task(C, taskId)
  local f = redis.call('HMGET', C.base .. 'task:' .. taskId, unpack(OASIS_TASK_FIELDS))
  if not f[1] then return nil end
  local t = {}
  for i, name in ipairs(OASIS_TASK_FIELDS) do t[name] = f[i] or '' end
  return t
end

local function oasis_write_task(C, t, status, target)
  local key = C.base .. 'task:' .. t.id
  redis.call('HSET', key, 'id', t.id, 'jobId', t.jobId, 'handler', t.handler, 'params', t.params,
    'scheduledAt', t.scheduledAt, 'attempt', t.attempt, 'trigger', t.trigger,
    'shardIndex', t.shardIndex, 'shardTotal', t.shardTotal, 'timeoutMs', t.timeoutMs,
    'status', status, 'target', target, 'createdAt', C.now, 'chain', t.chain)
  if t.script and t.script ~= '' then redis.call('HSET', key, 'script', t.script) end
  if t.kids == '1' then redis.call('HSET', key, 'kids', '1') end
  redis.call('ZADD', C.k.inflight, t.scheduledAt, t.id)
end

local function oasis_copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- Removes every in-flight trace of a task (queues are left: a popped id without hash is skipped).
-- Only the structures the task can be in are touched: this runs once per task on the hot path.
local function oasis_forget(C, t)
  redis.call('DEL', C.base .. 'task:' .. t.id)
  redis.call('ZREM', C.k.inflight, t.id)
  if t.status == 'RUNNING' then
    redis.call('ZREM', C.k.running, t.id)
    if t.timeoutMs ~= '' and t.timeoutMs ~= '0' then redis.call('ZREM', C.k.deadlines, t.id) end
  end
  if t.retryAt ~= '' then redis.call('ZREM', C.k.delayed, t.id) end
  if t.worker ~= '' then redis.call('SREM', C.base .. 'w:' .. t.worker .. ':running', t.id) end
  if t.buffered ~= '1' then redis.call('SREM', C.base .. 'active:' .. t.jobId, t.id) end
end

local oasis_dispatch

-- Plans the next fire of a FIXED_DELAY job `delayMs` after now, unless the job is stopped,
-- paused, already has a next fire, has run `maxRuns` times or passed `endAt`.
local function oasis_delay_next(C, jobId)
  local jobKey = C.base .. 'job:' .. jobId
  local h = redis.call('HMGET', jobKey, 'delayMs', 'enabled', 'next', 'endAt', 'maxRuns', 'fires')
  local delay = tonumber(h[1] or '0') or 0
  if delay <= 0 or h[2] ~= '1' or (h[3] and h[3] ~= '') then return end
  local maxRuns = tonumber(h[5] or '0') or 0
  if maxRuns > 0 and (tonumber(h[6] or '0') or 0) >= maxRuns then return end
  local at = C.now + delay
  local endAt = tonumber(h[4] or '')
  if endAt and at > endAt then return end
  redis.call('HSET', jobKey, 'next', at)
  redis.call('ZADD', C.k.schedule, at, jobId)
  C.resched = true
end

-- A run of a job is over (final record written, no retry follows).
local function oasis_after_run(C, t)
  local jobId = t.jobId
  if t.chain == '1' then
    local left = redis.call('HINCRBY', C.base .. 'job:' .. jobId, 'delayWait', -1)
    if left <= 0 then oasis_delay_next(C, jobId) end
  end
  -- Overlap BUFFER_*: when nothing of the job is in flight any more, the oldest buffered fire goes.
  local bufKey = C.base .. 'buf:' .. jobId
  if redis.call('LLEN', bufKey) > 0 and redis.call('SCARD', C.base .. 'active:' .. jobId) == 0 then
    local nextId = redis.call('LPOP', bufKey)
    if nextId then
      local b = oasis_read_task(C, nextId)
      if b then
        oasis_forget(C, b)
        local routing = redis.call('HGET', C.base .. 'job:' .. jobId, 'routing') or 'BUSYOVER'
        oasis_dispatch(C, b, routing, false)
      end
    end
  end
end

local OASIS_RETRYABLE = { FAILED = true, TIMEOUT = true, LOST = true, NO_WORKER = true }

-- Creates the next attempt of a failed task, delayed by the job's retry policy. Returns its id,
-- or "" when no retry follows.
local function oasis_retry(C, t, status, err)
  if not OASIS_RETRYABLE[status] then return '' end
  if string.sub(err or '', 1, 18) == 'NonRetryableError:' then return '' end
  local r = redis.call('HMGET', C.base .. 'job:' .. t.jobId, 'retryCount', 'retryBackoff', 'retryDelay',
    'retryMaxDelay', 'retryJitter')
  local attempt = tonumber(t.attempt) or 1
  if attempt > (tonumber(r[1] or '0') or 0) then return '' end
  local delay = tonumber(r[3] or '0') or 0
  if r[2] == 'EXPONENTIAL' then
    delay = delay * (2 ^ (attempt - 1))
    local cap = tonumber(r[4] or '0') or 0
    if cap > 0 and delay > cap then delay = cap end
  end
  local jitter = tonumber(r[5] or '0') or 0
  if jitter > 0 then delay = delay * (1 - jitter * math.random()) end
  local due = C.now + math.floor(delay)
  local nt = oasis_copy(t)
  nt.id = string.gsub(t.id, '%-a%d+$', '') .. '-a' .. (attempt + 1)
  nt.attempt = attempt + 1
  nt.trigger = 'RETRY'
  oasis_write_task(C, nt, 'QUEUED', '')
  redis.call('HSET', C.base .. 'task:' .. nt.id, 'retryAt', due)
  redis.call('ZADD', C.k.delayed, due, nt.id)
  redis.call('SADD', C.base .. 'active:' .. t.jobId, nt.id)
  C.resched = true -- schedulers route due retries: let them see the new one
  return nt.id
end

-- Ends one attempt: its final record goes to the finals STREAM (one JSON field `r`), a retry is
-- planned when the job's policy says so, and when none follows the run is over.
-- `t` needs id, jobId, handler, params, scheduledAt, attempt, trigger, shardIndex, shardTotal,
-- chain; worker/startedAt may be "".
local function oasis_end(C, t, status, output, err, startedAt, finishedAt)
  local retryId = oasis_retry(C, t, status, err)
  local script = t.script and t.script ~= '' and cjson.decode(t.script) or nil
  redis.call('XADD', C.k.finals, '*', 'r', cjson.encode({
    id = t.id, jobId = t.jobId, handler = t.handler, params = t.params,
    scheduledAt = t.scheduledAt, attempt = tostring(t.attempt), trigger = t.trigger,
    shardIndex = tostring(t.shardIndex), shardTotal = tostring(t.shardTotal), worker = t.worker or '',
    startedAt = startedAt, finishedAt = tostring(finishedAt), status = status,
    result = output, error = err, hasLog = redis.call('EXISTS', C.base .. 'log:' .. t.id),
    retryTaskId = retryId, scriptVersion = script and tostring(script.version) or '', kids = t.kids or '',
  }))
  if retryId == '' then oasis_after_run(C, t) end
end

-- Ends an in-flight task by id (`known`: its fields, when the caller already read them with
-- oasis_read_task). `startedAt` "" keeps the start recorded at pull. Returns false when the task
-- is not in flight.
local function oasis_finalize(C, taskId, status, output, err, startedAt, finishedAt, known)
  local t = known or oasis_read_task(C, taskId)
  if not t then return false end
  if startedAt == '' then startedAt = t.startedAt end
  oasis_forget(C, t)
  oasis_end(C, t, status, output, err, startedAt, finishedAt)
  return true
end

-- Kills a queued, buffered, delayed or running task: it ends KILLED (never retried) and the
-- worker running it is told to abort. Returns false when the task is not in flight.
local function oasis_kill(C, taskId, reason)
  local t = oasis_read_task(C, taskId)
  if not t then return false end
  if t.status == 'RUNNING' and t.worker ~= '' then
    C.kill[#C.kill + 1] = { taskId, t.worker }
  else
    if t.target ~= '' then redis.call('LREM', C.base .. 'q:w:' .. t.target, 0, taskId) end
    redis.call('LREM', C.k.shared, 0, taskId)
    redis.call('LREM', C.base .. 'buf:' .. t.jobId, 0, taskId)
  end
  return oasis_finalize(C, taskId, 'KILLED', '', reason, '', C.now)
end

local function oasis_queue(C, t, target)
  oasis_write_task(C, t, 'QUEUED', target)
  redis.call('SADD', C.base .. 'active:' .. t.jobId, t.id)
  if target == '' then
    redis.call('LPUSH', C.k.shared, t.id)
  else
    redis.call('LPUSH', C.base .. 'q:w:' .. target, t.id)
  end
  C.wake[target] = true
end

-- Routes a task to its worker(s). SHARDING_BROADCAST turns a first attempt into one task per live
-- worker (ids "<id>-s<i>"); a retried shard goes to the shared queue. With no worker online the
-- task ends NO_WORKER at once (and may be retried). `fresh` = a new outcome of a scheduled fire
-- (counted for FIXED_DELAY); false when a buffered or delayed task is routed. Returns the ids of
-- the tasks (or NO_WORKER records) made.
oasis_dispatch = function(C, t, routing, fresh)
  local jobKey = C.base .. 'job:' .. t.jobId
  local live = oasis_live(C)
  if routing == 'SHARDING_BROADCAST' and tostring(t.shardTotal) == '1' and #live > 0 then
    if t.chain == '1' then
      redis.call('HINCRBY', jobKey, 'delayWait', fresh and #live or #live - 1)
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
  if fresh and t.chain == '1' then redis.call('HINCRBY', jobKey, 'delayWait', 1) end
  local target = false
  if tostring(t.shardTotal) ~= '1' then
    if #live > 0 then target = '' end
  else
    target = oasis_pick(C, t.jobId, routing)
  end
  if target == false then
    t.worker = ''
    oasis_end(C, t, 'NO_WORKER', '', 'no worker of app is online', '', C.now)
  else
    oasis_queue(C, t, target)
  end
  return { t.id }
end

-- Overlap policy of a scheduled fire while earlier tasks of the job are in flight. Returns true
-- when the fire should be dispatched now; otherwise it was buffered or discarded.
local function oasis_overlap(C, t, policy, bufMax)
  if policy == 'ALLOW' or policy == '' or not policy then return true end
  local activeKey = C.base .. 'active:' .. t.jobId
  if policy == 'CANCEL_OTHER' then
    for _, id in ipairs(redis.call('SMEMBERS', activeKey)) do
      oasis_kill(C, id, 'cancelled: a newer fire of the job replaced it (overlap CANCEL_OTHER)')
    end
    return true
  end
  if redis.call('SCARD', activeKey) == 0 then return true end
  -- The fire is held back or discarded here: either way it is one outcome of a FIXED_DELAY fire.
  if t.chain == '1' then redis.call('HINCRBY', C.base .. 'job:' .. t.jobId, 'delayWait', 1) end
  if policy == 'BUFFER_ONE' or policy == 'BUFFER_ALL' then
    local limit = 1
    if policy == 'BUFFER_ALL' then limit = tonumber(bufMax or '1000') or 1000 end
    local bufKey = C.base .. 'buf:' .. t.jobId
    if redis.call('LLEN', bufKey) < limit then
      oasis_write_task(C, t, 'QUEUED', '')
      redis.call('HSET', C.base .. 'task:' .. t.id, 'buffered', '1')
      redis.call('RPUSH', bufKey, t.id)
    else
      oasis_end(C, t, 'DISCARDED', '', 'overlap ' .. policy .. ': ' .. limit .. ' fire(s) already wait for the running one', '', C.now)
    end
    return false
  end
  -- SKIP (XXL-JOB "discard later")
  oasis_end(C, t, 'DISCARDED', '', 'overlap SKIP: an earlier run of the job is still in flight', '', C.now)
  return false
end
