#!/usr/bin/env python3
"""Ticket figures of issue 5 over HTTPS on loopback:

    cargo build --release && python3 bench/tickets_figures.py [target/release/helpdeskd]

1. POST /api/v1/tickets, durable (each 201 is after the commit's fsync), 8 concurrent
   connections (wrk -t2 -c8 -d10s --latency, bench/post_ticket.lua): tickets/s and p99.
2. GET /api/v1/tickets/{id} of a one-message and of a 50-message ticket, wrk -t2 -c64 -d10s.
3. The agent panel's page of a ticket with a 50-message thread, one connection
   (wrk -t1 -c1 -d5s --latency with the session cookie): median latency, an upper bound of
   the server time (loopback TLS adds microseconds).
Needs wrk and curl. The per-token rate limit is raised out of the way.
With BENCH_PERF=DIR, each wrk run is also recorded by `perf record -g` into DIR/<n>.data.
With BENCH_ONLY=post (only the POST run) or BENCH_ONLY=get (POST and the first GET), it stops early.
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
HERE = os.path.dirname(os.path.abspath(__file__))


def curl(*args, **kw):
    return subprocess.run(["curl", "-ksSf", *args], check=True, capture_output=True, text=True, **kw).stdout


PERF_DIR = os.environ.get("BENCH_PERF")
ONLY = os.environ.get("BENCH_ONLY")
DAEMON_PID = None
RUNS = 0


def daemon_cpu_seconds():
    """User plus system CPU time the daemon has used: a figure less bent than requests/s
    when something else shares the cores."""
    with open(f"/proc/{DAEMON_PID}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(*args, env=None):
    global RUNS
    RUNS += 1
    perf = None
    if PERF_DIR:
        os.makedirs(PERF_DIR, exist_ok=True)
        perf = subprocess.Popen(["perf", "record", "-F", "999", "-g", "-p", str(DAEMON_PID),
                                 "-o", f"{PERF_DIR}/{RUNS}.data"], stderr=subprocess.DEVNULL)
    cpu_before = daemon_cpu_seconds()
    out = subprocess.run(["wrk", *args], capture_output=True, text=True, timeout=120, env=env).stdout
    done = re.search(r"(\d+) requests in", out)
    if done and int(done.group(1)):
        cpu = daemon_cpu_seconds() - cpu_before
        print(f"  (daemon CPU: {cpu * 1e6 / int(done.group(1)):,.0f} us per request)")
    if perf:
        perf.send_signal(2)
        perf.wait(timeout=60)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    lat = {p: re.search(rf"\s{p}%\s+([\d.]+\w+)", out) for p in ("50", "99")}
    return (float(rps.group(1)) if rps else 0.0, int(non2xx.group(1)) if non2xx else 0,
            {p: (m.group(1) if m else "?") for p, m in lat.items()}, out)


def main():
    for tool in ("wrk", "curl"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install {tool}")
    work = tempfile.mkdtemp(prefix="helpdeskd-tickets-bench-")
    env = dict(os.environ, HELPDESKD_API_TOKEN_REQUESTS_PER_SECOND="1000000", HELPDESKD_API_TOKEN_BURST="1000000")
    proc = subprocess.Popen([BINARY, "serve", "--data-dir", f"{work}/data", "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    global DAEMON_PID
    DAEMON_PID = proc.pid
    link = base = None
    deadline = time.monotonic() + 30
    while base is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("setup link: "):
            link = line.split(": ", 1)[1].strip()
        match = re.search(r"listening on (https://\S+)", line)
        if match:
            base = match.group(1)
    try:
        curl("-o", "/dev/null", f"{base}/setup", "--data-urlencode", f"token={link.split('token=')[1]}",
             "--data-urlencode", "name=Bench", "--data-urlencode", f"email={EMAIL}",
             "--data-urlencode", f"password={PASSWORD}")
        token = json.loads(curl("-u", f"{EMAIL}:{PASSWORD}", "-H", "content-type: application/json",
                                "-d", '{"name": "bench", "scopes": ["read", "write"]}', f"{base}/api/v1/tokens"))["token"]
        auth = ["-H", f"Authorization: Bearer {token}"]

        wrk_env = dict(os.environ, HELPDESKD_BENCH_TOKEN=token)
        if ONLY in (None, "post"):
            rps, bad, lat, _ = wrk("-t2", "-c8", "-d10s", "--latency", "-s", f"{HERE}/post_ticket.lua", base, env=wrk_env)
            print(f"POST /api/v1/tickets, 8 connections: {rps:,.0f} tickets/s, p50 {lat['50']}, p99 {lat['99']} (non-2xx: {bad})")
            metrics = curl(f"{base}/metrics")
            commits = sum(float(v) for v in re.findall(r'^helpdeskd_db_commits\{database="account-[^"]*"\} (\S+)', metrics, re.M))
            writes = sum(float(v) for v in re.findall(r'^helpdeskd_db_writes\{database="account-[^"]*"\} (\S+)', metrics, re.M))
            if commits:
                print(f"  (writes per commit in the account database: {writes / commits:.1f})")
        if ONLY == "post":
            return

        small = json.loads(curl(*auth, "-H", "content-type: application/json", "-d",
                                '{"subject": "Small", "message": "One message", "contact": {"email": "s@example.com"}}',
                                f"{base}/api/v1/tickets"))["id"]
        rps, bad, _, _ = wrk("-t2", "-c64", "-d10s", "-H", f"Authorization: Bearer {token}", f"{base}/api/v1/tickets/{small}")
        print(f"GET /api/v1/tickets/{{id}} (1 message), 64 connections: {rps:,.0f} requests/s (non-2xx: {bad})")

        if ONLY == "get":
            return
        ticket = json.loads(curl(*auth, "-H", "content-type: application/json", "-d",
                                 '{"subject": "Thread", "message": "First", "contact": {"email": "t@example.com"}}',
                                 f"{base}/api/v1/tickets"))
        tid = ticket["id"]
        for i in range(49):
            curl("-o", "/dev/null", *auth, "-H", "content-type: application/json", "-d",
                 json.dumps({"type": "reply" if i % 2 else "note", "body": f"Message {i}: " + "lorem ipsum dolor " * 20}),
                 f"{base}/api/v1/tickets/{tid}/messages")
        rps, bad, _, _ = wrk("-t2", "-c64", "-d10s", "-H", f"Authorization: Bearer {token}", f"{base}/api/v1/tickets/{tid}")
        print(f"GET /api/v1/tickets/{{id}} (50 messages), 64 connections: {rps:,.0f} requests/s (non-2xx: {bad})")

        jar = f"{work}/cookies"
        page = curl("-c", jar, f"{base}/agent/login")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        curl("-b", jar, "-c", jar, "-o", "/dev/null", f"{base}/agent/login", "--data-urlencode", f"csrf={csrf}",
             "--data-urlencode", f"email={EMAIL}", "--data-urlencode", f"password={PASSWORD}")
        session = re.search(r"__Host-hd_session\s+(\w+)", open(jar).read()).group(1)
        rps, bad, lat, _ = wrk("-t1", "-c1", "-d5s", "--latency", "-H", f"Cookie: __Host-hd_session={session}",
                               f"{base}/agent/tickets/{tid}")
        print(f"panel ticket page (50-message thread), 1 connection: median {lat['50']}, p99 {lat['99']}, {rps:,.0f} pages/s (non-2xx: {bad})")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
