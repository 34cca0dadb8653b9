--[[
  Shared by the scripts that end tasks (included with `-- @include finalize`).

  oasis_finalize(base, finalsKey, runningKey, inflightKey, taskId, status, output, err,
                 startedAt, finishedAt):
  appends the final record of a queued or running task to the app's finals STREAM as one JSON
  field `r` (the database writer drains it) and removes every trace of the task from the
  in-flight structures. The log list `<base>log:<taskId>` is left for the writer, which persists
  and deletes it; `hasLog` in the record says whether there is one.
  `startedAt` = "" keeps the start the admin recorded at pull. Returns nothing.
]]
local function oasis_finalize(base, finalsKey, runningKey, inflightKey, taskId, status, output, err, startedAt, finishedAt)
  local taskKey = base .. 'task:' .. taskId
  local f = redis.call('HMGET', taskKey, 'jobId', 'handler', 'params', 'scheduledAt', 'attempt',
    'trigger', 'shardIndex', 'shardTotal', 'worker', 'startedAt')
  local worker = f[9] or ''
  if startedAt == '' then startedAt = f[10] or '' end
  local record = {
    id = taskId, jobId = f[1] or '', handler = f[2] or '', params = f[3] or '',
    scheduledAt = f[4] or '', attempt = f[5] or '1', trigger = f[6] or '',
    shardIndex = f[7] or '0', shardTotal = f[8] or '1', worker = worker,
    startedAt = startedAt, finishedAt = finishedAt, status = status,
    result = output, error = err, hasLog = redis.call('EXISTS', base .. 'log:' .. taskId),
  }
  redis.call('XADD', finalsKey, '*', 'r', cjson.encode(record))
  redis.call('DEL', taskKey)
  redis.call('ZREM', runningKey, taskId)
  redis.call('ZREM', inflightKey, taskId)
  if worker ~= '' then redis.call('SREM', base .. 'w:' .. worker .. ':running', taskId) end
  if f[1] then redis.call('SREM', base .. 'active:' .. f[1], taskId) end
end
