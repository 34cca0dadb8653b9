--[[
  Retiring a worker, shared by worker-offline.lua and reap-workers.lua (included with
  `-- @include offline`).

  oasis_worker_offline(base, workersKey, sharedKey, workerId) -> the number of re-routed tasks: the
  worker leaves the live set and every task still queued for it moves to the app's shared queue
  (any other worker may pull it). Its running tasks are left alone: their leases decide (the
  worker may come back and report).
]]
-- @include schema

local function oasis_worker_offline(base, workersKey, sharedKey, workerId)
  local own = KEY.workerQueue(base, workerId)
  local moved = 0
  while true do
    local id = redis.call('RPOPLPUSH', own, sharedKey)
    if not id then break end
    redis.call('HSET', KEY.task(base, id), F.task.target, '')
    moved = moved + 1
  end
  redis.call('ZREM', workersKey, workerId)
  redis.call('HSET', KEY.worker(base, workerId), F.worker.online, '0')
  return moved
end
