#!/usr/bin/env python3
"""What the spam filter adds to an inbound mail, end to end over LMTP (issue 6: ≤ 1 ms
median), and how long a delivery takes:

    cargo build --release && python3 bench/mail_inbound.py [target/release/helpdeskd]

Two data dirs: in one the account's model is trained with the CLI on the development corpus
(spam-1, easy-ham-1, hard-ham-1 files 1-125: the corpus bench/spam_eval.py fetches), the
other stays untrained (the filter then judges nothing and does no work). Each serves LMTP;
one session per round delivers the same corpus messages (every 4th, each with a fresh
Message-ID) one at a time, timing MAIL FROM to the 250 after DATA: each 250 means the
ticket is durably committed. Rounds alternate trained/untrained, three each; the
difference of the median delivery times is what the filter adds.
"""
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spam_eval import corpus_dir, development_set  # noqa: E402

BINARY = sys.argv[1] if len(sys.argv) > 1 else "target/release/helpdeskd"
ROUNDS = 3


def start(data):
    env = {"HELPDESKD_MAIL_LMTP_LISTEN": "127.0.0.1:0", "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([BINARY, "serve", "--data-dir", data, "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    deadline = time.monotonic() + 60
    lmtp = None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        match = re.match(r"lmtp listening on (\S+):(\d+)", line)
        if match:
            lmtp = (match.group(1), int(match.group(2)))
        if line.startswith("listening on "):
            return proc, lmtp
    proc.kill()
    sys.exit("the daemon did not start")


class Session:
    def __init__(self, addr):
        self.sock = socket.create_connection(addr)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")
        self.reply()
        self.say(b"LHLO bench.test")

    def reply(self):
        lines = []
        while True:
            line = self.file.readline()
            lines.append(line)
            if len(line) < 4 or line[3:4] != b"-":
                return b"".join(lines)

    def say(self, line):
        self.sock.sendall(line + b"\r\n")
        return self.reply()

    def deliver(self, message):
        started = time.perf_counter()
        self.say(b"MAIL FROM:<bench@example.com>")
        self.say(b"RCPT TO:<default@desk.example>")
        self.say(b"DATA")
        self.sock.sendall(message)
        answer = self.reply()
        elapsed = time.perf_counter() - started
        if not answer.startswith(b"250 "):
            sys.exit(f"delivery refused: {answer!r}")
        return elapsed


def prepared(path, n):
    """The message with CRLF lines, dot-stuffed, a fresh Message-ID, and the end mark."""
    raw = path.read_bytes().replace(b"\r\n", b"\n")
    head, _, body = raw.partition(b"\n\n")
    head = b"\n".join(line for line in head.split(b"\n") if not line.lower().startswith(b"message-id:"))
    raw = b"Message-ID: <bench-%d@bench.test>\n" % n + head + b"\n\n" + body
    lines = [b"." + line if line.startswith(b".") else line for line in raw.split(b"\n")]
    return b"\r\n".join(lines) + b"\r\n.\r\n"


def main():
    spam, ham = development_set(corpus_dir())
    work = Path(tempfile.mkdtemp(prefix="helpdeskd-mail-bench-"))
    try:
        dirs = {"trained": work / "trained", "untrained": work / "untrained"}
        for data in dirs.values():
            subprocess.run([BINARY, "init", "--data-dir", data], check=True, capture_output=True)
        (work / "spam.lst").write_text("".join(f"{p}\n" for p in spam))
        (work / "ham.lst").write_text("".join(f"{p}\n" for p in ham))
        trained = subprocess.run([BINARY, "spam", "train", "--account", "default", "--data-dir",
                                  dirs["trained"], "--spam-list", work / "spam.lst", "--ham-list",
                                  work / "ham.lst"], check=True, capture_output=True, text=True)
        print(trained.stdout.strip() or trained.stderr.strip())
        sample = spam[::4] + ham[::4]
        daemons = {name: start(data) for name, data in dirs.items()}
        try:
            medians = {name: [] for name in dirs}
            counter = 0
            for round_ in range(ROUNDS):
                for name in ("untrained", "trained"):
                    session = Session(daemons[name][1])
                    times = []
                    for path in sample:
                        counter += 1
                        times.append(session.deliver(prepared(path, counter)))
                    session.say(b"QUIT")
                    median = statistics.median(times) * 1000
                    medians[name].append(median)
                    print(f"round {round_ + 1} {name:9}: {len(times)} mails, median {median:.3f} ms, "
                          f"p99 {sorted(times)[int(len(times) * 0.99)] * 1000:.3f} ms, "
                          f"{len(times) / sum(times):.0f} mails/s one at a time")
            trained_ms = statistics.mean(medians["trained"])
            untrained_ms = statistics.mean(medians["untrained"])
            print(f"median delivery over LMTP: {trained_ms:.3f} ms judged, {untrained_ms:.3f} ms not "
                  f"judged: the filter adds {trained_ms - untrained_ms:.3f} ms")
        finally:
            for proc, _ in daemons.values():
                proc.terminate()
                proc.wait(timeout=30)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
