-- wrk script for bench/spam_daemon.py: each request creates a ticket whose subject and
-- message are those of one of the corpus' mails (one JSON body per line of the file
-- HELPDESKD_BENCH_BODIES), in turn.
local token = os.getenv("HELPDESKD_BENCH_TOKEN")
local bodies = {}
for line in io.lines(os.getenv("HELPDESKD_BENCH_BODIES")) do
  bodies[#bodies + 1] = line
end
local counter = 0

request = function()
  counter = counter % #bodies + 1
  return wrk.format("POST", "/api/v1/tickets", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, bodies[counter])
end
