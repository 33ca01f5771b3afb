-- wrk script for bench/login_flood.py: every request a wrong password for a different
-- unknown email, so the per-email throttle never answers first and each request costs one
-- Argon2 verification (the dummy one that unknown emails get).
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function base64(data)
  local out = {}
  for i = 1, #data, 3 do
    local a, b, c = data:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chars = 4 - (3 - (#data - i + 1 >= 3 and 3 or #data - i + 1))
    for j = 1, 4 do
      local index = math.floor(n / 64 ^ (4 - j)) % 64 + 1
      out[#out + 1] = j <= chars and alphabet:sub(index, index) or "="
    end
  end
  return table.concat(out)
end

local counter = 0
request = function()
  counter = counter + 1
  local credentials = "flood" .. counter .. "-" .. math.random(1000000000) .. "@example.com:not the password"
  return wrk.format("GET", nil, { ["Authorization"] = "Basic " .. base64(credentials) })
end
