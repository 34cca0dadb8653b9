--[[
  Shared by the scripts that create tasks (included with `-- @include enqueue`).

  oasis_live_workers(workersKey, now, ttl): ids of the app's workers whose last heartbeat is newer
  than now - ttl, oldest registration order kept by the ZSET (score = heartbeat).

  oasis_enqueue(t): creates the task hash and queues it. `t` carries base, sharedKey, inflightKey,
  jobKey, jobId, taskId, handler, params, routing, timeoutMs, scheduledAt, attempt, trigger,
  shardIndex, shardTotal, now, live (a function returning the live worker list).
  Routing: ROUND_ROBIN -> the next live worker by a per-job counter (global, kept in the job hash);
  anything else (ANY) -> the app's shared queue, which any free worker pulls.
  Returns the target worker id, or "" for the shared queue.
]]
local function oasis_live_workers(workersKey, now, ttl)
  return redis.call('ZRANGEBYSCORE', workersKey, now - ttl, '+inf')
end

local function oasis_enqueue(t)
  local target = ''
  if t.routing == 'ROUND_ROBIN' then
    local live = t.live()
    if #live > 0 then
      local n = redis.call('HINCRBY', t.jobKey, 'rr', 1)
      target = live[((n - 1) % #live) + 1]
    end
  end
  local taskKey = t.base .. 'task:' .. t.taskId
  redis.call('HSET', taskKey,
    'id', t.taskId, 'jobId', t.jobId, 'handler', t.handler, 'params', t.params,
    'scheduledAt', t.scheduledAt, 'attempt', t.attempt, 'trigger', t.trigger,
    'shardIndex', t.shardIndex, 'shardTotal', t.shardTotal, 'timeoutMs', t.timeoutMs,
    'status', 'QUEUED', 'target', target, 'createdAt', t.now)
  if target == '' then
    redis.call('LPUSH', t.sharedKey, t.taskId)
  else
    redis.call('LPUSH', t.base .. 'q:w:' .. target, t.taskId)
  end
  redis.call('SADD', t.base .. 'active:' .. t.jobId, t.taskId)
  redis.call('ZADD', t.inflightKey, t.scheduledAt, t.taskId)
  return target
end
