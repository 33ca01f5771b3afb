#!/usr/bin/env python3
"""200 concurrent bad logins against /healthz latency and memory.

    cargo build --release && python3 bench/login_flood.py [target/release/helpdeskd]

Starts the real binary on loopback with the brute-force lockout raised out of the way (so
every attempt reaches Argon2), then for 10 s runs at once:
  wrk -c200 GET /api/v1/me with a wrong Basic password for a different unknown email each
    time (bench/bad_login.lua), so each request costs one Argon2 verification
  wrk -c4 --latency GET /healthz
and reports login throughput, /healthz p50/p99, and the daemon's peak resident memory.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

BINARY = sys.argv[1] if len(sys.argv) > 1 else "target/release/helpdeskd"


def main():
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    work = tempfile.mkdtemp(prefix="helpdeskd-flood-")
    env = dict(os.environ, HELPDESKD_AUTH_MAX_FAILURES_PER_EMAIL="1000000000",
               HELPDESKD_AUTH_MAX_FAILURES_PER_ADDRESS="1000000000")
    proc = subprocess.Popen([BINARY, "serve", "--data-dir", f"{work}/data", "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    base = None
    deadline = time.monotonic() + 30
    while base is None and time.monotonic() < deadline:
        match = re.search(r"listening on (https://\S+)", proc.stdout.readline())
        base = match.group(1) if match else None
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bad_login.lua")
    flood = subprocess.Popen(["wrk", "-t1", "-c200", "-d10s", "--timeout", "30s", "-s", script,
                              f"{base}/api/v1/me"], stdout=subprocess.PIPE, text=True)
    time.sleep(1)
    health = subprocess.run(["wrk", "-t1", "-c4", "-d8s", "--latency", f"{base}/healthz"],
                            capture_output=True, text=True, timeout=60)
    flood_out, _ = flood.communicate(timeout=60)
    with open(f"/proc/{proc.pid}/status") as status:
        peak_kib = int(re.search(r"VmHWM:\s+(\d+)", status.read()).group(1))
    proc.terminate()
    proc.wait(timeout=30)
    shutil.rmtree(work)
    logins = re.search(r"Requests/sec:\s+([\d.]+)", flood_out)
    p50 = re.search(r"50%\s+(\S+)", health.stdout)
    p99 = re.search(r"99%\s+(\S+)", health.stdout)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", flood_out)
    print(f"bad logins answered: {logins.group(1) if logins else '?'} /s with 200 connections"
          f" (non-2xx: {non2xx.group(1) if non2xx else 0})")
    print(flood_out)
    print(f"/healthz during the flood: p50 {p50.group(1) if p50 else '?'}, p99 {p99.group(1) if p99 else '?'}")
    print(f"daemon peak resident memory: {peak_kib / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
