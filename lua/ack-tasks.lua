--[[
  A worker acknowledges tasks a pull delivered to it: each one it holds starts (lease, watchdog
  deadline; see include/delivery.lua). The ids it no longer holds (unacknowledged too long and
  back in a queue, or ended meanwhile) are left out of the reply: the worker must not start them.

  KEYS[1] unacked: the app's unacked ZSET (taskId -> acknowledgement deadline)
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: unused
  ARGV[4] seed: unused
  ARGV[5] workerId: the worker acknowledging
  ARGV[6] lease: task lease (ms)
  ARGV[7] timeoutGrace: ms added to a task's timeout for the admin's watchdog
  ARGV[8..] taskIds: the tasks acknowledged

  Output: JSON object
    code: OK
    acked: string[]  the ids the worker holds and may start
]]
-- @include context
-- @include delivery

oasis_check_key(KEYS[1], KEY.unacked(ARGV[1]))
local now = tonumber(ARGV[2])
local lease = tonumber(ARGV[6])
local grace = tonumber(ARGV[7])
local acked = {}
for i = 8, #ARGV do
  if oasis_ack(ARGV[1], ARGV[i], ARGV[5], now, lease, grace) then acked[#acked + 1] = ARGV[i] end
end
return cjson.encode({ code = CODE.OK, acked = acked })
