--[[
  Creates one task of a job outside its schedule (manual or API trigger, later retries and child
  jobs) and queues it by the job's routing. The job's schedule is not touched.

  KEYS[1] shared queue LIST
  KEYS[2] workers ZSET
  KEYS[3] inflight ZSET
  ARGV[1] now (epoch ms)
  ARGV[2] app key base
  ARGV[3] worker TTL (ms)
  ARGV[4] jobId
  ARGV[5] taskId
  ARGV[6] triggerType
  ARGV[7] scheduledAt (epoch ms); for MANUAL/API triggers it is moved 1 ms later when the job
          already has a manual fire or a scheduled fire at that millisecond, so every task of a
          job keeps a distinct (job, scheduled time, shard, attempt)
  ARGV[8] attempt
  ARGV[9] "1" to use ARGV[10] as params, "0" to use the job's own params
  ARGV[10] params override

  Output: the target worker id ("" = shared queue), or -1 when the job has no hot copy
]]
-- @include enqueue

local now = tonumber(ARGV[1])
local base = ARGV[2]
local jobKey = base .. 'job:' .. ARGV[4]
local h = redis.call('HMGET', jobKey, 'handler', 'params', 'routing', 'timeoutMs')
if not h[1] then return -1 end
local scheduledAt = ARGV[7]
if ARGV[6] == 'MANUAL' or ARGV[6] == 'API' then
  local t = tonumber(scheduledAt)
  local last = redis.call('HMGET', jobKey, 'lastManual', 'lastFire', 'next')
  for _, v in ipairs(last) do
    if v and tonumber(v) == t then t = t + 1 end
  end
  local lm = tonumber(last[1] or '0') or 0
  if t <= lm then t = lm + 1 end
  scheduledAt = tostring(t)
  redis.call('HSET', jobKey, 'lastManual', scheduledAt)
end
local params = h[2] or ''
if ARGV[9] == '1' then params = ARGV[10] end
return oasis_enqueue({
  base = base, sharedKey = KEYS[1], inflightKey = KEYS[3], jobKey = jobKey, jobId = ARGV[4],
  taskId = ARGV[5], handler = h[1], params = params, routing = h[3] or 'ANY',
  timeoutMs = h[4] or '0', scheduledAt = scheduledAt, attempt = ARGV[8], trigger = ARGV[6],
  shardIndex = 0, shardTotal = 1, now = now,
  live = function() return oasis_live_workers(KEYS[2], now, tonumber(ARGV[3])) end,
})
