--[[
  Reading task hashes (included with `-- @include task-read`).

  oasis_task_reader(fields) -> read(key): a reader of the listed task fields (F.task names).
  read(key) returns a table by field name ("" for a field the hash lacks), or nil when none of
  them is there (the task is not in flight). A field missing under its current name is read under
  its name of the previous layout (LEGACY.task, schema.ts), so the tasks in flight when the admin
  was upgraded run on; this goes with the next layout.
]]
-- @include schema

local OASIS_TASK_OLD_NAME = {}
for old, current in pairs(LEGACY.task) do OASIS_TASK_OLD_NAME[current] = old end

local function oasis_task_reader(fields)
  local ask, fallback = {}, {}
  for i, f in ipairs(fields) do ask[i] = f end
  for _, f in ipairs(fields) do
    local old = OASIS_TASK_OLD_NAME[f]
    if old then
      ask[#ask + 1] = old
      fallback[#ask] = f
    end
  end
  return function(key)
    local v = redis.call('HMGET', key, unpack(ask))
    local t, found = {}, false
    for i, f in ipairs(fields) do
      t[f] = v[i] or ''
      if v[i] then found = true end
    end
    for i, f in pairs(fallback) do
      if v[i] then
        found = true
        if t[f] == '' then t[f] = v[i] end
      end
    end
    if not found then return nil end
    return t
  end
end
