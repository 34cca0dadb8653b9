--[[
  Shared by the scripts that retire workers (included with `-- @include offline`).

  oasis_worker_offline(base, workersKey, sharedKey, workerId): the worker leaves the live set and
  every task still queued for it moves to the app's shared queue (any other worker may pull it).
  Its running tasks are left alone: their leases decide (the worker may come back and report).
  Returns the number of re-routed tasks.
]]
local function oasis_worker_offline(base, workersKey, sharedKey, workerId)
  local own = base .. 'q:w:' .. workerId
  local moved = 0
  while true do
    local id = redis.call('RPOPLPUSH', own, sharedKey)
    if not id then break end
    redis.call('HSET', base .. 'task:' .. id, 'target', '')
    moved = moved + 1
  end
  redis.call('ZREM', workersKey, workerId)
  redis.call('HSET', base .. 'worker:' .. workerId, 'online', '0')
  return moved
end
