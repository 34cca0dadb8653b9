--[[
  Retires workers whose last heartbeat is older than the TTL: they leave the live set and their
  queued tasks move to the shared queue (running ones are left to their leases).

  KEYS[1] workers: the app's workers ZSET
  KEYS[2] sharedQueue: the app's shared queue LIST
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: ms; workers silent longer are retired
  ARGV[4] seed: unused

  Output: JSON object
    code: OK
    retired: string[]  the workers retired
    moved: number  queued tasks moved to the shared queue
]]
-- @include offline

local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[2]) - tonumber(ARGV[3]))
local moved = 0
for _, w in ipairs(dead) do
  moved = moved + oasis_worker_offline(ARGV[1], KEYS[1], KEYS[2], w)
end
return cjson.encode({ code = CODE.OK, retired = dead, moved = moved })
