--[[
  Creates one task of a job outside its schedule (manual, API or child trigger) and routes it by
  the job's routing (one task per live worker for SHARDING_BROADCAST; a NO_WORKER record when
  no worker is online). The job's schedule is not touched and its overlap policy does not apply:
  an explicit trigger always runs.

  KEYS[1] job: the job HASH
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: ms; workers silent longer are not routed to
  ARGV[4] seed: seeds math.random (RANDOM routing)
  ARGV[5] jobId: the job
  ARGV[6] taskId: id of the new task
  ARGV[7] triggerType: MANUAL, API or CHILD
  ARGV[8] scheduledAt: epoch ms; moved 1 ms later when the job already has such a fire or a
      scheduled fire at that millisecond, so every task of a job keeps a distinct (job,
      scheduled time, shard, attempt)
  ARGV[9] useParams: "1" to use ARGV[10] as params, "0" to use the job's own params
  ARGV[10] params: params override
  ARGV[11] dedupeKey: "" = none; when given and already used within 24 h, nothing is created

  Output: JSON object with effects
    code: OK|NO_HOT_COPY|DUPLICATE_TRIGGER  NO_HOT_COPY the job has no hot copy; DUPLICATE_TRIGGER
      a trigger with this dedupe key was made before
    ids: string[]  the tasks made (one, or one per shard; a NO_WORKER record keeps its id)
]]
-- @include routing

local C = oasis_ctx()
local jobId = ARGV[5]
oasis_check_key(KEYS[1], KEY.job(C.base, jobId))
local h = redis.call('HMGET', KEYS[1], F.job.handler, F.job.params, F.job.routing, F.job.timeoutMs, F.job.script,
  F.job.hasChildren)
if not h[1] then return oasis_reply(C, { code = CODE.NO_HOT_COPY, ids = {} }) end
if ARGV[11] ~= '' then
  if not redis.call('SET', KEY.dedupe(C.base, ARGV[11]), '1', 'NX', 'PX', 86400000) then
    return oasis_reply(C, { code = CODE.DUPLICATE_TRIGGER, ids = {} })
  end
end
local at = tonumber(ARGV[8])
local last = redis.call('HMGET', KEYS[1], F.job.lastManual, F.job.lastFire, F.job.nextFireAt)
for _, v in ipairs(last) do
  if v and tonumber(v) == at then at = at + 1 end
end
local lm = tonumber(last[1] or '0') or 0
if at <= lm then at = lm + 1 end
redis.call('HSET', KEYS[1], F.job.lastManual, at)
local params = h[2] or ''
if ARGV[9] == '1' then params = ARGV[10] end
local ids = oasis_dispatch(C, {
  id = ARGV[6], jobId = jobId, handler = h[1], params = params, scheduledAt = tostring(at),
  attempt = 1, triggerType = ARGV[7], shardIndex = 0, shardTotal = 1, timeoutMs = h[4] or '0',
  fixedDelay = '', script = h[5] or '', workerId = '', hasChildren = h[6] or '',
}, h[3] or 'BUSYOVER', false)
return oasis_reply(C, { code = CODE.OK, ids = ids })
