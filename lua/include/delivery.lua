--[[
  Acknowledging a delivered task (included with `-- @include delivery`).

  pull-tasks.lua hands a task out *delivered*: RUNNING under its worker with `ackBy` set and
  listed in the app's `unacked` ZSET, without a lease (`running`) or a watchdog deadline yet. The
  worker acknowledges it as soon as the pull reply arrived (`ack`), or implicitly by reporting it
  in a heartbeat, in its handshake's held list or with a result. Unacknowledged past `ackBy`, it
  goes back to its queue (oasis_redeliver in include/routing.lua): it never started.

  oasis_ack(base, taskId, workerId, now, lease, timeoutGrace) -> true when `workerId` holds the
  task: a delivered one starts here (its lease in `running`, its watchdog deadline timeout +
  grace when it has a timeout); an acknowledged one has its lease renewed. False (nothing done)
  when the task is not in flight or not this worker's. Acknowledging twice is harmless.
]]
-- @include task-read

local oasis_read_held = oasis_task_reader({ F.task.status, F.task.workerId, F.task.ackBy, F.task.timeoutMs })

local function oasis_ack(base, taskId, workerId, now, lease, timeoutGrace)
  local key = KEY.task(base, taskId)
  local t = oasis_read_held(key)
  if not t or t.status ~= 'RUNNING' or t.workerId ~= workerId then return false end
  if t.ackBy ~= '' then
    redis.call('HDEL', key, F.task.ackBy)
    redis.call('ZREM', KEY.unacked(base), taskId)
    local timeout = tonumber(t.timeoutMs) or 0
    if timeout > 0 then redis.call('ZADD', KEY.deadlines(base), now + timeout + timeoutGrace, taskId) end
  end
  redis.call('ZADD', KEY.running(base), now + lease, taskId)
  return true
end
