--[[
  Ends running tasks whose lease ran out (their worker stopped heartbeating or vanished): each
  becomes a final LOST record. Safe to run from any number of admins at once.

  KEYS[1] running ZSET
  KEYS[2] finals STREAM
  KEYS[3] inflight ZSET
  ARGV[1] now (epoch ms)
  ARGV[2] app key base
  ARGV[3] limit per call

  Output: the ids of the tasks marked LOST
]]
-- @include finalize

local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  local worker = redis.call('HGET', ARGV[2] .. 'task:' .. id, 'worker') or '?'
  oasis_finalize(ARGV[2], KEYS[2], KEYS[1], KEYS[3], id, 'LOST', '',
    'lease expired: worker ' .. worker .. ' stopped renewing it', '', ARGV[1])
end
return ids
