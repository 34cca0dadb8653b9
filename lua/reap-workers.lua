--[[
  Retires the workers that are gone for good by include/offline.lua's one rule (silent past the
  worker TTL, or disconnected and silent past the reconnect grace): they leave the routed set,
  their queued tasks move to the shared queue, their delivered tasks never acknowledged go back
  to a queue and their running tasks end LOST (retried per the job's policy) at once, instead of
  waiting out their leases. A worker still heartbeating is never retired, whatever its
  connection. Safe to run from any number of admins at once.

  KEYS[1] workers: the app's workers ZSET
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: ms; workers silent longer are retired
  ARGV[4] seed: seeds math.random (routing of released fires, retry jitter)
  ARGV[5] reconnectGrace: ms a disconnected worker may take to come back (OASIS_WORKER_RECONNECT_GRACE_MS)

  Output: JSON object with effects
    code: OK
    retired: string[]  the workers retired
    lost: string[]  their running tasks ended LOST
    requeued: number  their delivered tasks put back in a queue
]]
-- @include offline

local C = oasis_ctx()
oasis_check_key(KEYS[1], C.k.workers)
local grace = tonumber(ARGV[5])
local candidates, seen = {}, {}
for _, w in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', C.now - C.ttl)) do
  if not seen[w] then seen[w] = true; candidates[#candidates + 1] = w end
end
-- A disconnected worker may be gone by either clause of the rule: the earlier one bounds it.
for _, w in ipairs(redis.call('ZRANGEBYSCORE', C.k.disconnected, '-inf', C.now - math.min(grace, C.ttl))) do
  if not seen[w] then seen[w] = true; candidates[#candidates + 1] = w end
end
local retired, lost, requeued = {}, {}, 0
for _, w in ipairs(candidates) do
  local h = redis.call('HMGET', KEY.worker(C.base, w), F.worker.lastHeartbeat, F.worker.disconnectedAt)
  local facts = { lastHeartbeat = h[1] or '', disconnectedAt = h[2] or '' }
  if oasis_worker_gone(facts, C.now, C.ttl, grace) then
    local why
    if facts.disconnectedAt ~= '' then
      why = 'worker ' .. w .. ' disconnected and did not come back within ' .. grace .. ' ms'
    else
      why = 'worker ' .. w .. ' stopped heartbeating for ' .. C.ttl .. ' ms'
    end
    local l, r = oasis_retire(C, w, why)
    for _, id in ipairs(l) do lost[#lost + 1] = id end
    requeued = requeued + r
    retired[#retired + 1] = w
  end
end
return oasis_reply(C, { code = CODE.OK, retired = retired, lost = lost, requeued = requeued })
