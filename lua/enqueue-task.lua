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
  ARGV[7] scheduledAt (epoch ms)
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
local params = h[2] or ''
if ARGV[9] == '1' then params = ARGV[10] end
return oasis_enqueue({
  base = base, sharedKey = KEYS[1], inflightKey = KEYS[3], jobKey = jobKey, jobId = ARGV[4],
  taskId = ARGV[5], handler = h[1], params = params, routing = h[3] or 'ANY',
  timeoutMs = h[4] or '0', scheduledAt = ARGV[7], attempt = ARGV[8], trigger = ARGV[6],
  shardIndex = 0, shardTotal = 1, now = now,
  live = function() return oasis_live_workers(KEYS[2], now, tonumber(ARGV[3])) end,
})
