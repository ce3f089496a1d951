"""The scheduler at scale: finding and processing the deadlines due among many.

Two workspaces side by side: one with ``--accounts`` accounts (default 100,000), each
with an open follow-up deadline, of which ``--due`` (default 1,000) are past due; one
with only those ``--due`` accounts. For each, the time of a tick that records and
delivers the due ones: in-process (open the store, catch the views up, tick) and as the
user runs it (``kaflow scheduler tick`` in a fresh process). Then the start-up of
``kaflow scheduler run`` with all the other deadlines pending: the time until its first
look is done.

Run:  python benchmarks/scheduler.py [--accounts 100000] [--due 1000] [--rounds 2]
Target: tick(big)/tick(small) <= 2 (the lookup is an index range, not a scan).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.stores import close, copy, fill, timed, workspace
from kaflow.bootstrap import open_app
from kaflow.projections.runner import Views
from kaflow.scheduling.notify import Outbox
from kaflow.scheduling.tick import tick
from kaflow.settings import load

NOW = datetime.now(UTC).replace(microsecond=0)


def build(root: Path, accounts: int, due: int) -> float:
    app = workspace(root, NOW - timedelta(days=365))
    # The due ones were visited 8 days ago (due yesterday); the rest yesterday.
    fill(app, due, lambda n: NOW - timedelta(days=8, minutes=n % 600))
    fill(app, accounts - due, lambda n: NOW - timedelta(days=1, minutes=n % 600), start=due)
    seconds, _ = timed(lambda: Views(app).catch_up())
    close(app)
    return seconds


def tick_in_process(root: Path, due: int) -> float:
    def run() -> int:
        app = open_app(load(root, environ={}))
        report = tick(app, Views(app), Outbox(str(root / "outbox.jsonl")), NOW)
        return len(report.overdue)

    seconds, found = timed(run)
    assert found == due, (found, due)
    return seconds


def kaflow(root: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KAFLOW_STORE", "KAFLOW_USER")}
    return subprocess.Popen([sys.executable, "-m", "cli", *args], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def tick_cli(root: Path) -> float:
    started = time.perf_counter()
    done = kaflow(root, "scheduler", "tick", "--now", NOW.isoformat())
    _, err = done.communicate()
    assert done.returncode == 0, err
    return time.perf_counter() - started


def run_start_up(root: Path) -> tuple[float, str]:
    started = time.perf_counter()
    process = kaflow(root, "scheduler", "run", "--poll", "30")
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if line.startswith("watching"):
                return time.perf_counter() - started, line.strip()
        raise AssertionError(process.stderr.read() if process.stderr else "no output")
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        timings = {}
        for label, accounts in (("big", args.accounts), ("small", args.due)):
            seconds, built = timed(lambda a=accounts, lb=label: build(base / lb, a, args.due))
            print(f"built {accounts:>9,} accounts ({accounts * 8:,} events) in {seconds:6.1f} s;"
                  f" views caught up in {built:5.1f} s")  # fmt: skip
        for label in ("big", "small"):
            runs = []
            for _ in range(args.rounds):
                runs.append(tick_in_process(copy(base / label, base / "work"), args.due))
                runs.append(tick_cli(copy(base / label, base / "work")))
            timings[label] = (min(runs[0::2]), min(runs[1::2]))
        big, small = timings["big"], timings["small"]
        print(f"tick, {args.due:,} due among {args.accounts:>9,}: in-process {big[0]:6.3f} s,"
              f" CLI {big[1]:6.3f} s")  # fmt: skip
        print(f"tick, {args.due:,} due among {args.due:>9,}: in-process {small[0]:6.3f} s,"
              f" CLI {small[1]:6.3f} s")  # fmt: skip
        print(f"ratio big/small: in-process {big[0] / small[0]:.2f}, CLI {big[1] / small[1]:.2f}"
              "  (target <= 2)")  # fmt: skip
        for label in ("big", "small"):
            work = copy(base / label, base / "work")
            tick_in_process(work, args.due)  # the due ones done: the rest stay pending
            seconds, line = run_start_up(work)
            print(f"scheduler run start-up ({label}): {seconds:.2f} s to '{line}'")


if __name__ == "__main__":
    main()
