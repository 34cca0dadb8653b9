--[[
  Hands queued tasks to one worker, up to its free slots: its own queue first, then the app's
  shared queue. Each task becomes RUNNING under a lease owned by that worker. A worker never
  holds more running tasks than its registered concurrency, whatever `max` it asks for. A task
  with a timeout also gets a watchdog deadline (timeout + grace): past it the admin ends the task
  TIMEOUT itself when the worker never answered.

  KEYS[1] workerQueue: the worker's own queue LIST
  KEYS[2] sharedQueue: the app's shared queue LIST
  KEYS[3] running: the app's running ZSET (taskId -> lease deadline)
  KEYS[4] workerRunning: the worker's running SET
  KEYS[5] worker: the worker HASH (holds `concurrency`)
  KEYS[6] deadlines: the app's deadlines ZSET (taskId -> watchdog deadline)
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: unused
  ARGV[4] seed: unused
  ARGV[5] workerId: the worker pulling
  ARGV[6] max: most tasks asked for
  ARGV[7] lease: task lease (ms)
  ARGV[8] timeoutGrace: ms added to a task's timeout for the admin's watchdog

  Output: JSON object
    code: OK|NOT_REGISTERED  NOT_REGISTERED the worker is not registered (it must register again)
    tasks: PulledTaskRow[]  the tasks handed out ("" for a field the task lacks, e.g. script)
]]
-- @include task-read

local read = oasis_task_reader(PULLED_TASK_FIELDS)
local conc = tonumber(redis.call('HGET', KEYS[5], F.worker.concurrency))
if not conc or redis.call('HGET', KEYS[5], F.worker.online) ~= '1' then
  return cjson.encode({ code = CODE.NOT_REGISTERED, tasks = {} })
end
local max = math.min(tonumber(ARGV[6]), conc - redis.call('SCARD', KEYS[4]))
local now = tonumber(ARGV[2])
local deadline = now + tonumber(ARGV[7])
local grace = tonumber(ARGV[8])
local tasks = {}
local ownEmpty = false
while #tasks < max do
  local id = false
  if not ownEmpty then
    id = redis.call('RPOP', KEYS[1])
    if not id then ownEmpty = true end
  end
  if not id then id = redis.call('RPOP', KEYS[2]) end
  if not id then break end
  local taskKey = KEY.task(ARGV[1], id)
  local t = read(taskKey)
  if t and t.id ~= '' then
    redis.call('HSET', taskKey, F.task.status, 'RUNNING', F.task.workerId, ARGV[5], F.task.startedAt, now)
    redis.call('ZADD', KEYS[3], deadline, id)
    redis.call('SADD', KEYS[4], id)
    local timeout = tonumber(t.timeoutMs) or 0
    if timeout > 0 then redis.call('ZADD', KEYS[6], now + timeout + grace, id) end
    tasks[#tasks + 1] = t
  end
end
return cjson.encode({ code = CODE.OK, tasks = tasks })
