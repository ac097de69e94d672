-- One generic request generator; each scenario's method, path and body templates come from
-- bench/scenarios.py (the single definition shared with the open-loop generator).
-- args: method, path template, body template ("" = none), user id, ids file ("" = none), run tag.
-- Templates may use {id} (next id from the file, round robin) and {n} (unique per request).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "lib.lua")

local method, path_template, body_template, tag
local ids = {}
local cursor = 0
local counter = 0

local function read_ids(file_name)
  if file_name == "" then return end
  for line in io.lines(file_name) do
    if line ~= "" then table.insert(ids, line) end
  end
end

function init(args)
  method, path_template, body_template, tag = args[1], args[2], args[3], args[6]
  wrk.headers["X-User-ID"] = args[4]
  if body_template ~= "" then wrk.headers["Content-Type"] = "application/json" end
  read_ids(args[5])
  -- Threads start at different ids so they do not contend on the same rows.
  if #ids > 0 then cursor = (thread_id * 7919) % #ids end
end

local values = {}

local function fill(template)
  return (template:gsub("{(%w+)}", values))
end

function request()
  counter = counter + 1
  values.n = tag .. "-" .. thread_id .. "-" .. counter
  if #ids > 0 then
    cursor = cursor % #ids + 1
    values.id = ids[cursor]
  end
  local body = nil
  if body_template ~= "" then body = fill(body_template) end
  return wrk.format(method, fill(path_template), nil, body)
end
