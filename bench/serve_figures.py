#!/usr/bin/env python3
"""Figures of `helpdeskd serve`: time to READY=1, idle resident memory, /healthz throughput.

    cargo build --release && python3 bench/serve_figures.py [target/release/helpdeskd]

Needs wrk (apt-get install wrk). Starts the real binary on an initialized data dir with
NOTIFY_SOCKET pointing at a socket of ours, exactly as systemd would, and times the READY=1
datagram from the moment of spawning. Then lets the daemon idle and reads VmRSS, then runs
wrk with keep-alive against https://127.0.0.1:PORT/healthz. Everything stays on loopback,
every loop is bounded.
"""
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BINARY = sys.argv[1] if len(sys.argv) > 1 else "target/release/helpdeskd"
RUNS = 7


def start(data, notify_path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(notify_path)
    sock.settimeout(10)
    env = dict(os.environ, NOTIFY_SOCKET=notify_path)
    started = time.monotonic()
    proc = subprocess.Popen(
        [BINARY, "serve", "--data-dir", data, "--listen", "127.0.0.1:0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    while True:
        message = sock.recv(4096)
        if b"READY=1" in message:
            ready = time.monotonic() - started
            break
    sock.close()
    port = None
    for _ in range(10):
        line = proc.stdout.readline()
        match = re.search(r"listening on https://127\.0\.0\.1:(\d+)", line)
        if match:
            port = int(match.group(1))
            break
    return proc, ready, port


def main():
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    work = tempfile.mkdtemp(prefix="helpdeskd-bench-")
    data = os.path.join(work, "data")
    subprocess.run([BINARY, "init", "--data-dir", data], check=True, stdout=subprocess.DEVNULL)
    readies = []
    proc = port = None
    for run in range(RUNS):
        proc, ready, port = start(data, os.path.join(work, f"notify-{run}"))
        readies.append(ready)
        if run < RUNS - 1:
            proc.terminate()
            proc.wait(timeout=30)
    time.sleep(3)
    with open(f"/proc/{proc.pid}/status") as status:
        rss_kib = int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))
    wrk = subprocess.run(
        ["wrk", "-t2", "-c64", "-d10s", f"https://127.0.0.1:{port}/healthz"],
        capture_output=True, text=True, timeout=60)
    proc.terminate()
    proc.wait(timeout=30)
    shutil.rmtree(work)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", wrk.stdout)
    print(f"ready (READY=1 after spawn), median of {RUNS}: {statistics.median(readies) * 1000:.0f} ms"
          f" (min {min(readies) * 1000:.0f}, max {max(readies) * 1000:.0f})")
    print(f"idle resident memory after 3 s: {rss_kib / 1024:.1f} MiB")
    print(f"/healthz over HTTPS, wrk -t2 -c64 -d10s keep-alive: {rps.group(1) if rps else '?'} requests/s")
    print(wrk.stdout)


if __name__ == "__main__":
    main()
