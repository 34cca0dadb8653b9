--[[
  One worker went away (disconnected or stopped): it leaves the live set at once and its queued
  tasks move to the shared queue. Running tasks keep their leases: if the worker comes back in
  time it reports them; if not they become LOST.

  KEYS[1] workers ZSET
  KEYS[2] shared queue LIST
  KEYS[3] the worker HASH
  ARGV[1] app key base
  ARGV[2] workerId
  ARGV[3] connection id that went away: only retire the worker when it is still the one on record
          (a worker that already reconnected elsewhere stays), "" = unconditionally

  Output: number of re-routed tasks, or -1 when a newer connection holds the worker
]]
-- @include offline

if ARGV[3] ~= '' and redis.call('HGET', KEYS[3], 'conn') ~= ARGV[3] then return -1 end
return oasis_worker_offline(ARGV[1], KEYS[1], KEYS[2], ARGV[2])
