-- wrk script for bench/tickets_figures.py: each request creates a new ticket from one of
-- 1,000 contacts, with a realistic subject and body.
local counter = 0
local token = os.getenv("HELPDESKD_BENCH_TOKEN")

request = function()
  counter = counter + 1
  local contact = math.random(1000)
  local body = string.format(
    '{"subject":"Order %d has not arrived","message":"Hello,\\nI ordered on Monday and the parcel has still not arrived. Tracking says it left the warehouse three days ago. Could you check?\\nThanks, customer %d","contact":{"email":"customer%d@example.com","name":"Customer %d"},"channel":"api","tags":["shipping"]}',
    counter, contact, contact, contact)
  return wrk.format("POST", "/api/v1/tickets", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end
