#!/usr/bin/env python3
"""Built-in runtime vs Flower runtime under fedplane: the same model (logistic regression) on the
same data (the Wisconsin breast-cancer set: datasets/wdbc for the built-in trainer, scikit-learn's
bundled copy for the Flower example), 3 participants on the local provider, N rounds (5).

For each runtime it applies a fresh federation in a temporary directory and reports:
  - wall time of `fedplane apply` (plan, resources, certificates, the run, stopping);
  - the run's time (the run record's started → finished) and the rounds' mean duration from the
    state (round 1 separately for Flower: it includes the SuperNodes' start-up);
  - peak memory, sampled every 0.1 s from /proc: fedplane's processes (the apply itself, and for
    the built-in runtime also its aggregator and agents) as the largest single process and the
    largest sum at one instant; Python's processes (Flower's SuperLink, SuperNodes, SuperExecs,
    ServerApp/ClientApps and flwr CLI calls) as the largest sum at one instant.

Usage (from the repository, after `swift build`; the Python needs flwr==1.42.0, numpy and
scikit-learn):
  scripts/bench-flower.py [--fedplane .build/debug/fedplane] [--python /opt/fedplane-flwr] [--rounds 5]
"""

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Peak RSS of fedplane's and Python's processes that belong to the benchmark directory."""

    def __init__(self, directory):
        super().__init__(daemon=True)
        self.directory = directory
        self.stop = threading.Event()
        self.fedplane_max = self.fedplane_sum = self.python_sum = 0

    def belongs(self, pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().decode(errors="replace")
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            return None
        if self.directory in cmd or self.directory in cwd or f"FEDPLANE_BENCH_DIR={self.directory}" in env:
            return cmd
        return None

    def run(self):
        while not self.stop.is_set():
            fed, py = [], []
            for name in os.listdir("/proc"):
                if not name.isdigit():
                    continue
                cmd = self.belongs(name)
                if cmd is None:
                    continue
                exe = cmd.split(" ", 1)[0]
                if exe.endswith("fedplane"):
                    fed.append(rss_kib(name))
                elif "python" in os.path.basename(exe) or "/bin/flwr" in cmd or "flower-" in cmd:
                    py.append(rss_kib(name))
            self.fedplane_max = max(self.fedplane_max, max(fed, default=0))
            self.fedplane_sum = max(self.fedplane_sum, sum(fed))
            self.python_sum = max(self.python_sum, sum(py))
            time.sleep(0.1)


def builtin_spec(rounds):
    text = open(os.path.join(REPO, "specs/quickstart.yaml")).read()
    return text.replace("  rounds: 10\n", f"  rounds: {rounds}\n")


def flower_spec(rounds, python):
    text = open(os.path.join(REPO, "examples/flower-app/fedplane.yaml")).read()
    text = text.replace("  rounds: 3 ", f"  rounds: {rounds} ")
    text = text.replace("num-server-rounds: 3", f"num-server-rounds: {rounds}")
    text = text.replace("    app: .  ", f"    app: {os.path.join(REPO, 'examples/flower-app')}  ")
    text = text.replace("    python: python3", f"    python: {python}")
    return text


def bench(label, fedplane, spec_text, name):
    directory = tempfile.mkdtemp(prefix=f"fedplane-bench-{label}-")
    try:
        spec = os.path.join(directory, "fedplane.yaml")
        with open(spec, "w") as f:
            f.write(spec_text)
        sampler = Sampler(directory)
        sampler.start()
        t0 = time.monotonic()
        env = dict(os.environ, FEDPLANE_BENCH_DIR=directory)
        out = subprocess.run([fedplane, "apply", "-f", spec, "--auto-approve"], cwd=directory, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wall = time.monotonic() - t0
        sampler.stop.set()
        sampler.join()
        if out.returncode != 0:
            sys.exit(f"{label}: apply failed ({out.returncode}):\n{out.stderr[-3000:]}")
        db = sqlite3.connect(os.path.join(directory, ".fedplane", f"{name}.db"))
        durations = [r[0] for r in db.execute("SELECT duration_seconds FROM rounds WHERE run = 1 ORDER BY round")]
        run = db.execute("SELECT (julianday(finished_at) - julianday(started_at)) * 86400 FROM runs WHERE run = 1").fetchone()[0]
        acc = db.execute("SELECT accuracy FROM rounds WHERE run = 1 ORDER BY round DESC LIMIT 1").fetchone()[0]
        return {"label": label, "wall": wall, "run": run, "rounds": durations, "accuracy": acc,
                "fedplane_max": sampler.fedplane_max / 1024, "fedplane_sum": sampler.fedplane_sum / 1024,
                "python_sum": sampler.python_sum / 1024}
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fedplane", default=os.path.join(REPO, ".build/debug/fedplane"))
    ap.add_argument("--python", default="/opt/fedplane-flwr")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    results = [bench("builtin", a.fedplane, builtin_spec(a.rounds), "quickstart"),
               bench("flower", a.fedplane, flower_spec(a.rounds, a.python), "flower-example")]
    print(f"{a.rounds} rounds, 3 participants, logistic regression on the breast-cancer data ({a.fedplane})")
    print("| runtime | apply wall | run | round 1 | rounds 2.. (mean) | last round's accuracy | fedplane peak RSS (largest process / all at once) | Python peak RSS (all at once) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        rest = r["rounds"][1:]
        mean = sum(rest) / len(rest) if rest else float("nan")
        print(f"| {r['label']} | {r['wall']:.1f} s | {r['run']:.1f} s | {r['rounds'][0]:.2f} s | {mean:.2f} s | {r['accuracy']:.3f} "
              f"| {r['fedplane_max']:.0f} MB / {r['fedplane_sum']:.0f} MB | {r['python_sum']:.0f} MB |")


if __name__ == "__main__":
    main()
