--[[
  The overlap policy of a scheduled fire while earlier tasks of the job are in flight (included
  with `-- @include overlap`).

  oasis_overlap(C, t, policy, bufferMax) -> true when the fire should be dispatched now; otherwise
  it was buffered or discarded (with a DISCARDED record). ALLOW runs it; CANCEL_OTHER kills the
  job's tasks in flight and runs it; SKIP discards it; BUFFER_ONE keeps one fire waiting and
  BUFFER_ALL up to `bufferMax` (OASIS_OVERLAP_BUFFER_MAX, an argument so a new setting applies at
  once), discarding the rest; the end of the run releases the oldest (include/lifecycle.lua).
]]
-- @include lifecycle

local function oasis_overlap(C, t, policy, bufferMax)
  if policy == 'ALLOW' or policy == '' or not policy then return true end
  local activeKey = KEY.active(C.base, t.jobId)
  if policy == 'CANCEL_OTHER' then
    for _, id in ipairs(redis.call('SMEMBERS', activeKey)) do
      oasis_kill(C, id, 'cancelled: a newer fire of the job replaced it (overlap CANCEL_OTHER)')
    end
    return true
  end
  if redis.call('SCARD', activeKey) == 0 then return true end
  -- The fire is held back or discarded here: either way it is one outcome of a FIXED_DELAY fire.
  if t.fixedDelay == '1' then redis.call('HINCRBY', KEY.job(C.base, t.jobId), F.job.delayWait, 1) end
  if policy == 'BUFFER_ONE' or policy == 'BUFFER_ALL' then
    local limit = 1
    if policy == 'BUFFER_ALL' then limit = bufferMax end
    local bufKey = KEY.buffer(C.base, t.jobId)
    if redis.call('LLEN', bufKey) < limit then
      oasis_write_task(C, t, 'QUEUED', '')
      redis.call('HSET', KEY.task(C.base, t.id), F.task.buffered, '1')
      redis.call('RPUSH', bufKey, t.id)
    else
      oasis_end(C, t, oasis_outcome(C, 'DISCARDED', 'overlap ' .. policy .. ': ' .. limit .. ' fire(s) already wait for the running one'))
    end
    return false
  end
  -- SKIP (XXL-JOB "discard later")
  oasis_end(C, t, oasis_outcome(C, 'DISCARDED', 'overlap SKIP: an earlier run of the job is still in flight'))
  return false
end
