-- POST /api/v1/activities on contacts of the demo, for wrk; http.sh sets TOKEN and CONTACTS (a
-- comma-separated list of contact ids).
local token = os.getenv("TOKEN")
local contacts = {}
for id in string.gmatch(os.getenv("CONTACTS"), "%d+") do
  contacts[#contacts + 1] = id
end

function setup(thread)
  thread:set("seed", math.random(1, 1e9))
end

function init(args)
  math.randomseed(seed)
end

request = function()
  local h = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  return wrk.format("POST", "/api/v1/activities", h,
    '{"contact_id":' .. contacts[math.random(#contacts)] .. ',"kind":"call","subject":"bench"}')
end
