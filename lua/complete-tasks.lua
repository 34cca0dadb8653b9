--[[
  Ends tasks a worker reports as done. A result counts only from the worker that holds the task's
  lease and for the attempt it runs; a repeated report of a task already final is a harmless
  duplicate. Each accepted result becomes a final record in the app's finals STREAM; a failure
  may plan a retry (never one the worker marked non-retryable), and the end of a run may release
  a buffered fire or plan a FIXED_DELAY fire.

  KEYS[1] running: the app's running ZSET (the leases results end)
  ARGV[1] base: app key base ("<prefix>{<app>}:")
  ARGV[2] now: epoch ms
  ARGV[3] workerTtl: ms; workers silent longer are not routed to
  ARGV[4] seed: seeds math.random (RANDOM routing, retry jitter)
  ARGV[5] workerId: the worker reporting
  ARGV[6] count: the number of results
  ARGV[7..] results: 8 values per result: taskId, attempt, status, output, error, nonRetryable
      ("1" = do not retry), startedAt, finishedAt

  Output: JSON object with effects
    code: OK
    outcomes: (OK|NOT_IN_FLIGHT|NOT_HELD)[]  one per result: OK accepted, NOT_IN_FLIGHT a
      duplicate (not in flight any more), NOT_HELD rejected (held by another worker or another
      attempt, or not running)
]]
-- @include lifecycle

local C = oasis_ctx()
oasis_check_key(KEYS[1], C.k.running)
local worker = ARGV[5]
local n = tonumber(ARGV[6])
local outcomes = {}
for i = 0, n - 1 do
  local a = 7 + i * 8
  local t = oasis_read_task(C, ARGV[a])
  if not t then
    outcomes[#outcomes + 1] = CODE.NOT_IN_FLIGHT
  elseif t.status ~= 'RUNNING' or t.workerId ~= worker or t.attempt ~= ARGV[a + 1] then
    outcomes[#outcomes + 1] = CODE.NOT_HELD
  else
    oasis_finalize(C, t, {
      status = ARGV[a + 2], output = ARGV[a + 3], error = ARGV[a + 4], nonRetryable = ARGV[a + 5] == '1',
      startedAt = ARGV[a + 6], finishedAt = ARGV[a + 7],
    })
    outcomes[#outcomes + 1] = CODE.OK
  end
end
return oasis_reply(C, { code = CODE.OK, outcomes = outcomes })
