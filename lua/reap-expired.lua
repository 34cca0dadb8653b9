--[[
  Ends running tasks nobody answers for: a task whose lease ran out (its worker stopped
  heartbeating or vanished) becomes LOST; a task past its watchdog deadline (timeout + grace, set
  when its worker acknowledged it) becomes TIMEOUT and its worker is told to abort; a task that
  waited for a worker longer than the no-worker grace while the app still has none becomes
  NO_WORKER (with a live worker it just waits its turn). Each may be retried by the job's
  policy. Also records the admin's no-worker grace for the app (routing reads it). Ends nothing
  while the app's epoch is another server run's (the reconcile has not sealed it: a task of older
  data may already be recorded). Safe to run from any number of admins at once.

  KEYS[1] running: the app's running ZSET (taskId -> lease deadline)
  KEYS[2] deadlines: the app's deadlines ZSET (taskId -> watchdog deadline)
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: ms; workers silent longer are not routed to (retries, released fires)
  ARGV[4] seed: seeds math.random (routing, retry jitter)
  ARGV[5] limit: at most this many tasks of each kind per call
  ARGV[6] noWorkerGrace: OASIS_NO_WORKER_GRACE_MS (ms): how long a task waits for a worker

  Output: JSON object with effects
    code: OK
    lost: string[]  tasks ended LOST
    timedOut: string[]  tasks ended TIMEOUT
    noWorker: string[]  tasks that waited for a worker in vain, ended NO_WORKER
]]
-- @include lifecycle
-- @include epoch

local C = oasis_ctx()
oasis_check_key(KEYS[1], C.k.running)
oasis_check_key(KEYS[2], C.k.deadlines)
local limit = tonumber(ARGV[5])
local grace = tonumber(ARGV[6])
redis.call('SET', KEY.noWorkerGrace(C.base), grace)
local lost, timedOut, noWorker = {}, {}, {}
if oasis_epoch_stale(C.base) then
  return oasis_reply(C, { code = CODE.OK, lost = lost, timedOut = timedOut, noWorker = noWorker })
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, limit)) do
  local t = oasis_read_task(C, id)
  if t then
    local worker = t.workerId ~= '' and t.workerId or '?'
    oasis_finalize(C, t, oasis_outcome(C, 'LOST', 'lease expired: worker ' .. worker .. ' stopped renewing it'))
    lost[#lost + 1] = id
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, limit)) do
  local t = oasis_read_task(C, id)
  if t and t.workerId ~= '' then
    C.kill[#C.kill + 1] = { taskId = id, workerId = t.workerId }
    local timeout = t.timeoutMs ~= '' and t.timeoutMs or '?'
    oasis_finalize(C, t, oasis_outcome(C, 'TIMEOUT', 'admin watchdog: no result within the ' .. timeout .. ' ms timeout (and grace)'))
    timedOut[#timedOut + 1] = id
  else
    redis.call('ZREM', KEYS[2], id)
  end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', C.k.waiting, '-inf', C.now - grace, 'LIMIT', 0, limit)) do
  local t = oasis_read_task(C, id)
  if not t or t.waitingSince == '' or t.status ~= 'QUEUED' then
    redis.call('ZREM', C.k.waiting, id)
  elseif #oasis_live(C) > 0 then
    redis.call('ZREM', C.k.waiting, id)
    redis.call('HDEL', KEY.task(C.base, id), F.task.waitingSince)
  else
    -- Its id stays in the shared queue: a popped id without a hash is skipped.
    oasis_finalize(C, t, oasis_outcome(C, 'NO_WORKER', 'no worker of app came within the ' .. grace .. ' ms no-worker grace'))
    noWorker[#noWorker + 1] = id
  end
end
return oasis_reply(C, { code = CODE.OK, lost = lost, timedOut = timedOut, noWorker = noWorker })
