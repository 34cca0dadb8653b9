--[[
  The life of a task: create, end, final record (included with `-- @include lifecycle`; it
  brings routing along, see the end of this file).

  A task in memory is a table by F.task names (oasis_read_task): id, jobId, handler, params,
  scheduledAt, attempt, triggerType, shardIndex, shardTotal, timeoutMs, fixedDelay, script,
  hasChildren, status, target, workerId, startedAt, ackBy (delivered, not yet acknowledged),
  waitingSince (waits for a worker), retryAt, buffered, ... ("" when unset).
  How an attempt ended is a table `o`: {status, output, error, nonRetryable, startedAt,
  finishedAt}; oasis_outcome(C, status, error) makes one for an end the admin decides.

  Create: oasis_write_task (the hash and the inflight index), oasis_queue (a queue and a wake),
  oasis_copy. End: oasis_end (a retry when the job's policy says so, the final record in the
  finals STREAM, and when no retry follows the end of the run), oasis_finalize (ends an in-flight
  task and forgets it), oasis_kill (KILLED, never retried; the worker is told to abort).
]]
-- @include context
-- @include task-read
-- @include schedule
-- @include retry

-- Defined by include/routing.lua (below): routing and ending call each other.
local oasis_dispatch

local oasis_read_all = oasis_task_reader(TASK_FIELD_LIST)

local function oasis_read_task(C, taskId)
  return oasis_read_all(KEY.task(C.base, taskId))
end

local function oasis_write_task(C, t, status, target)
  local key = KEY.task(C.base, t.id)
  redis.call('HSET', key, F.task.id, t.id, F.task.jobId, t.jobId, F.task.handler, t.handler, F.task.params, t.params,
    F.task.scheduledAt, t.scheduledAt, F.task.attempt, t.attempt, F.task.triggerType, t.triggerType,
    F.task.shardIndex, t.shardIndex, F.task.shardTotal, t.shardTotal, F.task.timeoutMs, t.timeoutMs,
    F.task.status, status, F.task.target, target, F.task.createdAt, C.now)
  if t.fixedDelay == '1' then redis.call('HSET', key, F.task.fixedDelay, '1') end
  if t.script and t.script ~= '' then redis.call('HSET', key, F.task.script, t.script) end
  if t.hasChildren == '1' then redis.call('HSET', key, F.task.hasChildren, '1') end
  redis.call('ZADD', C.k.inflight, t.scheduledAt, t.id)
end

local function oasis_copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- Queues a task for `target` ("" = the app's shared queue) and wakes it.
local function oasis_queue(C, t, target)
  oasis_write_task(C, t, 'QUEUED', target)
  redis.call('SADD', KEY.active(C.base, t.jobId), t.id)
  if target == '' then
    redis.call('LPUSH', C.k.sharedQueue, t.id)
  else
    redis.call('LPUSH', KEY.workerQueue(C.base, target), t.id)
  end
  C.wake[target] = true
end

-- Removes every in-flight trace of a task (queues are left: a popped id without hash is skipped).
-- Only the structures the task can be in are touched: this runs once per task on the hot path.
local function oasis_forget(C, t)
  redis.call('DEL', KEY.task(C.base, t.id))
  redis.call('ZREM', C.k.inflight, t.id)
  if t.status == 'RUNNING' then
    redis.call('ZREM', C.k.running, t.id)
    if t.timeoutMs ~= '' and t.timeoutMs ~= '0' then redis.call('ZREM', C.k.deadlines, t.id) end
  end
  if t.ackBy ~= '' then redis.call('ZREM', C.k.unacked, t.id) end
  if t.waitingSince ~= '' then redis.call('ZREM', C.k.waiting, t.id) end
  if t.retryAt ~= '' then redis.call('ZREM', C.k.delayed, t.id) end
  if t.workerId ~= '' then redis.call('SREM', KEY.workerRunning(C.base, t.workerId), t.id) end
  if t.buffered ~= '1' then redis.call('SREM', KEY.active(C.base, t.jobId), t.id) end
end

local function oasis_outcome(C, status, err)
  return { status = status, output = '', error = err, nonRetryable = false, startedAt = '', finishedAt = C.now }
end

-- Plans the next attempt of a failed task when the job's retry policy says so; its id or "".
local function oasis_retry(C, t, o)
  local due = oasis_retry_due(C, t, o)
  if not due then return '' end
  local attempt = tonumber(t.attempt) or 1
  local nt = oasis_copy(t)
  nt.id = string.gsub(t.id, '%-a%d+$', '') .. '-a' .. (attempt + 1)
  nt.attempt = attempt + 1
  nt.triggerType = 'RETRY'
  oasis_write_task(C, nt, 'QUEUED', '')
  redis.call('HSET', KEY.task(C.base, nt.id), F.task.retryAt, due)
  redis.call('ZADD', C.k.delayed, due, nt.id)
  redis.call('SADD', KEY.active(C.base, t.jobId), nt.id)
  C.resched = true -- schedulers route due retries: let them see the new one
  return nt.id
end

-- The final record of an attempt (FINAL_FIELDS), as the JSON of the stream entry.
local function oasis_final_record(C, t, o, retryId)
  local r = {}
  r[F.final.id] = t.id
  r[F.final.jobId] = t.jobId
  r[F.final.handler] = t.handler
  r[F.final.params] = t.params
  r[F.final.scheduledAt] = t.scheduledAt
  r[F.final.attempt] = tostring(t.attempt)
  r[F.final.triggerType] = t.triggerType
  r[F.final.shardIndex] = tostring(t.shardIndex)
  r[F.final.shardTotal] = tostring(t.shardTotal)
  r[F.final.workerId] = t.workerId or ''
  r[F.final.startedAt] = o.startedAt
  r[F.final.finishedAt] = tostring(o.finishedAt)
  r[F.final.status] = o.status
  r[F.final.result] = o.output
  r[F.final.error] = o.error
  r[F.final.hasLog] = redis.call('EXISTS', KEY.log(C.base, t.id))
  r[F.final.retryTaskId] = retryId
  r[F.final.hasChildren] = t.hasChildren or ''
  return cjson.encode(r)
end

-- A run of a job is over (final record written, no retry follows): a FIXED_DELAY fire whose
-- outcomes all ended plans the next fire; with overlap BUFFER_* the oldest buffered fire goes
-- once nothing of the job is in flight any more.
local function oasis_after_run(C, t)
  local jobId = t.jobId
  if t.fixedDelay == '1' then
    local left = redis.call('HINCRBY', KEY.job(C.base, jobId), F.job.delayWait, -1)
    if left <= 0 then oasis_delay_next(C, jobId) end
  end
  local bufKey = KEY.buffer(C.base, jobId)
  if redis.call('LLEN', bufKey) > 0 and redis.call('SCARD', KEY.active(C.base, jobId)) == 0 then
    local nextId = redis.call('LPOP', bufKey)
    if nextId then
      local b = oasis_read_task(C, nextId)
      if b then
        oasis_forget(C, b)
        local routing = redis.call('HGET', KEY.job(C.base, jobId), F.job.routing) or 'BUSYOVER'
        oasis_dispatch(C, b, routing, false)
      end
    end
  end
end

-- Ends one attempt `t` (already forgotten, or never stored) as `o` says.
local function oasis_end(C, t, o)
  local retryId = oasis_retry(C, t, o)
  redis.call('XADD', C.k.finals, '*', FINALS_ENTRY.record, oasis_final_record(C, t, o, retryId))
  if retryId == '' then oasis_after_run(C, t) end
end

-- Ends an in-flight task `t` (as read by oasis_read_task) as `o` says; an `o.startedAt` of ""
-- keeps the start recorded at pull.
local function oasis_finalize(C, t, o)
  if o.startedAt == '' then o.startedAt = t.startedAt end
  oasis_forget(C, t)
  oasis_end(C, t, o)
end

-- Kills a queued, buffered, delayed or running task: it ends KILLED (never retried) and the
-- worker running it is told to abort. Returns false when the task is not in flight.
local function oasis_kill(C, taskId, reason)
  local t = oasis_read_task(C, taskId)
  if not t then return false end
  if t.status == 'RUNNING' and t.workerId ~= '' then
    C.kill[#C.kill + 1] = { taskId = taskId, workerId = t.workerId }
  else
    if t.target ~= '' then redis.call('LREM', KEY.workerQueue(C.base, t.target), 0, taskId) end
    redis.call('LREM', C.k.sharedQueue, 0, taskId)
    redis.call('LREM', KEY.buffer(C.base, t.jobId), 0, taskId)
  end
  oasis_finalize(C, t, oasis_outcome(C, 'KILLED', reason))
  return true
end

-- @include routing
