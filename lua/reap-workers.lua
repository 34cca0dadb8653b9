--[[
  Retires workers whose last heartbeat is older than the TTL: they leave the live set and their
  queued tasks move to the shared queue (running ones are left to their leases).

  KEYS[1] workers ZSET
  KEYS[2] shared queue LIST
  ARGV[1] now (epoch ms)
  ARGV[2] worker TTL (ms)
  ARGV[3] app key base

  Output: flat list of workerId, re-routed task count
]]
-- @include offline

local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
local out = {}
for _, w in ipairs(dead) do
  out[#out + 1] = w
  out[#out + 1] = oasis_worker_offline(ARGV[3], KEYS[1], KEYS[2], w)
end
return out
