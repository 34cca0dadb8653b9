--[[
  Renews (or ends) one admin's liveness in one app: its entry in the app's `claimers` ZSET lasts
  3 × OASIS_ADMIN_LIVENESS_MS from now on the Redis clock. While it lasts, the admin keeps its
  claims; once it lapses, the next claim-due.lua of any admin takes them over. An admin that stops
  ends its liveness at once (`retire`), so its claims are fired by another admin on time.

  KEYS[1] claimers: the app's claimers ZSET (adminId -> liveness deadline, Redis clock ms)
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: unused (the Redis clock is used)
  ARGV[3] workerTtl: unused
  ARGV[4] seed: unused
  ARGV[5] adminId: the admin
  ARGV[6] liveness: OASIS_ADMIN_LIVENESS_MS
  ARGV[7] retire: "1" = the admin stops: its liveness ends now

  Output: JSON object
    code: OK
]]
-- @include context
-- @include epoch

oasis_check_key(KEYS[1], KEY.claimers(ARGV[1]))
local deadline = 0
if ARGV[7] ~= '1' then deadline = oasis_clock_ms() + 3 * tonumber(ARGV[6]) end
redis.call('ZADD', KEYS[1], deadline, ARGV[5])
return cjson.encode({ code = CODE.OK })
