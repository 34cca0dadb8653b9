--[[
  Hands queued tasks to one worker, up to its free slots: its own queue first, then the app's
  shared queue. Each task is *delivered*: RUNNING under that worker with an acknowledgement
  deadline (`ackBy`, the `unacked` ZSET) and no lease yet; the worker's ack (or a heartbeat or
  result naming it) starts its lease and its timeout watchdog (include/delivery.lua). Not
  acknowledged in time, it goes back to its queue (requeue-unacked.lua), never LOST. A delivered
  task holds a slot: a worker never holds more tasks than its registered concurrency, whatever
  `max` it asks for. A task that waited for a worker stops waiting. Nothing is handed out while
  the app's `epoch` is set but not the server's run_id (Redis restarted, failed over or came back
  from older data: a queued task may have run and been recorded already); the reconcile
  (lua/forget-ended.lua, lua/reconcile-fires.lua) first forgets such tasks and seals the epoch.
  Without an epoch key (a fresh Redis, no fire committed yet) tasks are handed out.

  KEYS[1] workerQueue: the worker's own queue LIST
  KEYS[2] sharedQueue: the app's shared queue LIST
  KEYS[3] unacked: the app's unacked ZSET (taskId -> acknowledgement deadline)
  KEYS[4] workerRunning: the worker's running SET
  KEYS[5] worker: the worker HASH (holds `concurrency`)
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: unused
  ARGV[4] seed: unused
  ARGV[5] workerId: the worker pulling
  ARGV[6] max: most tasks asked for
  ARGV[7] ackMs: how long the worker has to acknowledge a delivered task (ms)

  Output: JSON object
    code: OK|NOT_REGISTERED  NOT_REGISTERED the worker is not registered, or its connection closed (it must register again)
    tasks: PulledTaskRow[]  the tasks handed out ("" for a field the task lacks, e.g. script)
]]
-- @include task-read
-- @include epoch

local read = oasis_task_reader(PULLED_TASK_FIELDS)
if oasis_epoch_stale(ARGV[1]) then return cjson.encode({ code = CODE.OK, tasks = {} }) end
local conc = tonumber(redis.call('HGET', KEYS[5], F.worker.concurrency))
local state = redis.call('HMGET', KEYS[5], F.worker.online, F.worker.disconnectedAt)
if not conc or state[1] ~= '1' or (state[2] or '') ~= '' then
  return cjson.encode({ code = CODE.NOT_REGISTERED, tasks = {} })
end
local max = math.min(tonumber(ARGV[6]), conc - redis.call('SCARD', KEYS[4]))
local now = tonumber(ARGV[2])
local ackBy = now + tonumber(ARGV[7])
local waiting = KEY.waiting(ARGV[1])
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
    redis.call('HSET', taskKey, F.task.status, 'RUNNING', F.task.workerId, ARGV[5], F.task.startedAt, now, F.task.ackBy, ackBy)
    redis.call('HDEL', taskKey, F.task.waitingSince)
    redis.call('ZREM', waiting, id)
    redis.call('ZADD', KEYS[3], ackBy, id)
    redis.call('SADD', KEYS[4], id)
    tasks[#tasks + 1] = t
  end
end
return cjson.encode({ code = CODE.OK, tasks = tasks })
