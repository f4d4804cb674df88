-- A working day's mix against the demo, for wrk: 80% reads, 20% writes, on records that exist.
-- soak.sh writes ids.lua (account_ids, contact_ids) and sets TOKEN.
dofile(os.getenv("IDS_LUA"))
local token = os.getenv("TOKEN")
local statuses = {}

function setup(thread)
  thread:set("id", math.random(1, 1e9))
end

function init(args)
  math.randomseed(id)
end

local function pick(ids)
  return ids[math.random(#ids)]
end

request = function()
  local h = { ["Authorization"] = "Bearer " .. token }
  local r = math.random(100)
  if r <= 25 then
    return wrk.format("GET", "/api/v1/accounts/" .. pick(account_ids), h)
  elseif r <= 40 then
    return wrk.format("GET", "/api/v1/accounts/" .. pick(account_ids) .. "/360", h)
  elseif r <= 55 then
    return wrk.format("GET", "/api/v1/contacts/" .. pick(contact_ids), h)
  elseif r <= 65 then
    return wrk.format("GET", "/api/v1/contacts?limit=50&filter=account.state%20%3D%20%22CA%22%20and%20contact.seniority%20%3E%3D%20%22manager%22", h)
  elseif r <= 80 then
    return wrk.format("GET", "/api/v1/reports/pipeline?period=month", h)
  elseif r <= 95 then
    h["Content-Type"] = "application/json"
    return wrk.format("POST", "/api/v1/activities", h,
      '{"contact_id":' .. pick(contact_ids) .. ',"kind":"call","subject":"soak"}')
  else
    h["Content-Type"] = "application/json"
    return wrk.format("PATCH", "/api/v1/accounts/" .. pick(account_ids), h,
      '{"city":"Soak ' .. math.random(1000) .. '"}')
  end
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  io.write(string.format("errors: connect %d, read %d, write %d, timeout %d, status %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status))
  io.write(string.format("latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
