#!/usr/bin/env python3
"""Bearer-authenticated GET /api/v1/me over HTTPS with keep-alive.

    cargo build --release && python3 bench/api_figures.py [target/release/helpdeskd]

Starts the real binary on a fresh data dir (loopback only), creates the owner through the
one-time setup link, creates an API token through the API, then runs
`wrk -t2 -c64 -d10s -H "Authorization: Bearer …"` against /api/v1/me. Needs wrk and curl.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

BINARY = sys.argv[1] if len(sys.argv) > 1 else "target/release/helpdeskd"
EMAIL, PASSWORD = "bench@example.com", "bench password 123"


def main():
    for tool in ("wrk", "curl"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install {tool}")
    work = tempfile.mkdtemp(prefix="helpdeskd-api-bench-")
    # The per-token rate limit would otherwise answer 429 long before the server is busy.
    env = dict(os.environ, HELPDESKD_API_TOKEN_REQUESTS_PER_SECOND="1000000",
               HELPDESKD_API_TOKEN_BURST="1000000")
    proc = subprocess.Popen([BINARY, "serve", "--data-dir", f"{work}/data", "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    link = base = None
    deadline = time.monotonic() + 30
    while base is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("setup link: "):
            link = line.split(": ", 1)[1].strip()
        match = re.search(r"listening on (https://\S+)", line)
        if match:
            base = match.group(1)
    token_param = link.split("token=")[1]
    subprocess.run(["curl", "-ksSf", "-o", "/dev/null", f"{base}/setup",
                    "--data-urlencode", f"token={token_param}", "--data-urlencode", "name=Bench",
                    "--data-urlencode", f"email={EMAIL}", "--data-urlencode", f"password={PASSWORD}"],
                   check=True)
    created = subprocess.run(["curl", "-ksSf", "-u", f"{EMAIL}:{PASSWORD}", "-H", "content-type: application/json",
                              "-d", '{"name": "bench", "scopes": ["read"]}', f"{base}/api/v1/tokens"],
                             check=True, capture_output=True, text=True)
    token = json.loads(created.stdout)["token"]
    wrk = subprocess.run(["wrk", "-t2", "-c64", "-d10s", "-H", f"Authorization: Bearer {token}",
                          f"{base}/api/v1/me"], capture_output=True, text=True, timeout=60)
    proc.terminate()
    proc.wait(timeout=30)
    shutil.rmtree(work)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", wrk.stdout)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk.stdout)
    print(f"Bearer GET /api/v1/me, wrk -t2 -c64 -d10s keep-alive: {rps.group(1) if rps else '?'} requests/s"
          f" (non-2xx: {non2xx.group(1) if non2xx else 0})")
    print(wrk.stdout)


if __name__ == "__main__":
    main()
