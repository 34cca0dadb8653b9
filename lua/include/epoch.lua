--[[
  The scheduler's data-loss check and clock (included with `-- @include epoch`).

  oasis_run_id() -> the Redis server's run_id (INFO server): a new one after every restart or
  failover, the moment writes acknowledged before may have been lost (AOF everysec, async replicas).

  oasis_epoch_ok(base) -> true when the app's `epoch` key holds the server's run_id: the app's hot
  schedule was reconciled with the database under this server run. false after a restart or a
  failover (another run_id) and after data loss (no key): claims and commits wait for the
  reconcile (lua/reconcile-fires.lua).

  oasis_epoch_stale(base) -> true when the app's `epoch` key is set but not the server's run_id:
  the data may be older than what was recorded, and the reconcile has not sealed it yet. The task
  scripts (pull, sweeps) then change nothing. No key (a fresh Redis) is not stale for them.

  oasis_clock_ms() -> the Redis server's clock in ms (TIME): admin liveness deadlines are written
  and read on one clock, so an admin with a skewed clock neither looks dead nor kills others.
]]
-- @include schema

local function oasis_run_id()
  return string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
end

local function oasis_epoch_ok(base)
  return redis.call('GET', KEY.epoch(base)) == oasis_run_id()
end

local function oasis_epoch_stale(base)
  local epoch = redis.call('GET', KEY.epoch(base))
  return epoch ~= false and epoch ~= oasis_run_id()
end

local function oasis_clock_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
