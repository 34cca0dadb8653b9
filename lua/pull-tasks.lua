--[[
  Hands queued tasks to one worker, up to its free slots: its own queue first, then the app's
  shared queue. Each task becomes RUNNING under a lease owned by that worker. A worker never
  holds more running tasks than its registered concurrency, whatever `max` it asks for. A task
  with a timeout also gets a watchdog deadline (timeout + grace): past it the admin ends the task
  TIMEOUT itself when the worker never answered.

  KEYS[1] the worker's own queue LIST
  KEYS[2] shared queue LIST
  KEYS[3] running ZSET (taskId -> lease deadline)
  KEYS[4] the worker's running SET
  KEYS[5] the worker HASH (holds `concurrency`)
  KEYS[6] deadlines ZSET (taskId -> watchdog deadline)
  ARGV[1] workerId
  ARGV[2] max tasks asked for
  ARGV[3] now (epoch ms)
  ARGV[4] task lease (ms)
  ARGV[5] app key base
  ARGV[6] timeout grace (ms) added to a task's timeout for the admin's watchdog

  Output: a JSON array of tasks, each the array [id, jobId, handler, params, scheduledAt,
  attempt, trigger, shardIndex, shardTotal, timeoutMs, script] (script: JSON text or false; one
  string: cheap to decode); -1 when the worker is not registered (it must register again)
]]
local conc = tonumber(redis.call('HGET', KEYS[5], 'concurrency'))
if not conc or redis.call('HGET', KEYS[5], 'online') ~= '1' then return -1 end
local max = math.min(tonumber(ARGV[2]), conc - redis.call('SCARD', KEYS[4]))
local now = tonumber(ARGV[3])
local deadline = now + tonumber(ARGV[4])
local grace = tonumber(ARGV[6])
local out = {}
local ownEmpty = false
while #out < max do
  local id = false
  if not ownEmpty then
    id = redis.call('RPOP', KEYS[1])
    if not id then ownEmpty = true end
  end
  if not id then id = redis.call('RPOP', KEYS[2]) end
  if not id then break end
  local taskKey = ARGV[5] .. 'task:' .. id
  local t = redis.call('HMGET', taskKey, 'id', 'jobId', 'handler', 'params', 'scheduledAt',
    'attempt', 'trigger', 'shardIndex', 'shardTotal', 'timeoutMs', 'script')
  if t[1] then
    redis.call('HSET', taskKey, 'status', 'RUNNING', 'worker', ARGV[1], 'startedAt', now)
    redis.call('ZADD', KEYS[3], deadline, id)
    redis.call('SADD', KEYS[4], id)
    local timeout = tonumber(t[10] or '0') or 0
    if timeout > 0 then redis.call('ZADD', KEYS[6], now + timeout + grace, id) end
    out[#out + 1] = t
  end
end
if #out == 0 then return '[]' end
return cjson.encode(out)
