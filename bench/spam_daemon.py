#!/usr/bin/env python3
"""What the spam filter adds to an arriving ticket, in the daemon (issue 6: ≤ 1 ms median):

    cargo build --release && python3 bench/spam_daemon.py [target/release/helpdeskd]

An account's model is trained with the CLI on the development corpus (spam-1, easy-ham-1,
hard-ham-1 files 1-125: the corpus bench/spam_eval.py fetches), then the daemon serves it
and one connection posts tickets whose subject and message are those of the corpus' mails
(wrk -t1 -c1 --latency, bench/post_corpus.lua), alternately with an API token that is
judged and one made to skip the filter (`"spam_check": false`), twice each. The difference
of the median latencies is the time the filter adds. Needs wrk and curl.
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spam_eval import corpus_dir, development_set  # noqa: E402

BINARY = sys.argv[1] if len(sys.argv) > 1 else "target/release/helpdeskd"
EMAIL, PASSWORD = "bench@example.com", "bench password 123"
HERE = Path(__file__).resolve().parent


def curl(*args):
    return subprocess.run(["curl", "-ksSf", *args], check=True, capture_output=True, text=True).stdout


def subject_and_body(path):
    """The Subject header and the text after the headers, as a web form would carry them."""
    text = path.read_text(errors="replace")
    head, _, body = text.partition("\n\n")
    subject = re.search(r"^Subject:\s*(.*)$", head, re.M | re.I)
    return (subject.group(1).strip() if subject else "(no subject)")[:400] or "(no subject)", body[:20000] or "(empty)"


def latency_ms(text):
    match = re.search(r"\s50%\s+([\d.]+)(us|ms|s)", text)
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def main():
    for tool in ("wrk", "curl"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install {tool}")
    spam, ham = development_set(corpus_dir())
    work = Path(tempfile.mkdtemp(prefix="helpdeskd-spam-daemon-"))
    try:
        data = work / "data"
        subprocess.run([BINARY, "init", "--data-dir", data], check=True, capture_output=True)
        (work / "spam.lst").write_text("".join(f"{p}\n" for p in spam))
        (work / "ham.lst").write_text("".join(f"{p}\n" for p in ham))
        trained = subprocess.run([BINARY, "spam", "train", "--account", "default", "--data-dir", data,
                                  "--spam-list", work / "spam.lst", "--ham-list", work / "ham.lst"],
                                 check=True, capture_output=True, text=True)
        print(trained.stdout.strip() or trained.stderr.strip())
        with open(work / "bodies.jsonl", "w") as out:
            for path in spam[::4] + ham[::4]:
                subject, body = subject_and_body(path)
                out.write(json.dumps({"subject": subject, "message": body,
                                      "contact": {"email": "reader@example.com"}}) + "\n")

        env = dict(os.environ, HELPDESKD_API_TOKEN_REQUESTS_PER_SECOND="1000000", HELPDESKD_API_TOKEN_BURST="1000000")
        proc = subprocess.Popen([BINARY, "serve", "--data-dir", data, "--listen", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        try:
            link = base = None
            deadline = time.monotonic() + 30
            while base is None and time.monotonic() < deadline:
                line = proc.stdout.readline()
                if line.startswith("setup link: "):
                    link = line.split(": ", 1)[1].strip()
                match = re.search(r"listening on (https://\S+)", line)
                if match:
                    base = match.group(1)
            curl("-o", "/dev/null", f"{base}/setup", "--data-urlencode", f"token={link.split('token=')[1]}",
                 "--data-urlencode", "name=Bench", "--data-urlencode", f"email={EMAIL}",
                 "--data-urlencode", f"password={PASSWORD}")
            tokens = {}
            for name, judged in (("judged", True), ("skipped", False)):
                made = curl("-u", f"{EMAIL}:{PASSWORD}", "-H", "content-type: application/json", "-d",
                            json.dumps({"name": name, "scopes": ["read", "write"], "spam_check": judged}),
                            f"{base}/api/v1/tokens")
                tokens[name] = json.loads(made)["token"]
            overview = json.loads(curl("-u", f"{EMAIL}:{PASSWORD}", f"{base}/api/v1/spam"))
            print(f"model: {overview['spam_learned']} spam, {overview['ham_learned']} ham, "
                  f"{overview['tokens']:,} tokens; judging: {overview['judging']}")
            medians = {"judged": [], "skipped": []}
            for name in ("skipped", "judged", "skipped", "judged"):
                wrk_env = dict(os.environ, HELPDESKD_BENCH_TOKEN=tokens[name],
                               HELPDESKD_BENCH_BODIES=str(work / "bodies.jsonl"))
                out = subprocess.run(["wrk", "-t1", "-c1", "-d8s", "--latency", "-s", str(HERE / "post_corpus.lua"),
                                      base], capture_output=True, text=True, env=wrk_env, timeout=120).stdout
                non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
                if non2xx:
                    sys.exit(f"non-2xx answers with the {name} token:\n{out}")
                medians[name].append(latency_ms(out))
                print(f"  {name:8} token: median {medians[name][-1]:.3f} ms")
            quarantined = json.loads(curl("-u", f"{EMAIL}:{PASSWORD}", f"{base}/api/v1/tickets?status=spam&limit=1"))
            judged, skipped = statistics.mean(medians["judged"]), statistics.mean(medians["skipped"])
            print(f"median POST /api/v1/tickets: {judged:.3f} ms judged, {skipped:.3f} ms not judged: "
                  f"the filter adds {judged - skipped:.3f} ms")
            print(f"(the quarantine is not empty: {bool(quarantined['tickets'])})")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
