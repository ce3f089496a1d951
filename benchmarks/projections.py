"""Rebuilding the views at scale, and reading one development record from a big store.

Side by side, in one run:
- a full rebuild of every view versus reading and decoding the same notifications with
  no projection work (target: rebuild throughput at least 0.3 of decoding's);
- ``kaflow ledger ID`` (a fresh process, views caught up) in the big store versus in a
  store holding only that account (target: at most 2x);
- the peak memory of a full rebuild of the big store versus ones a quarter and half its
  size (it streams in batches, so it must not grow with the log; SQLite's page cache is
  capped at 32 MiB).

Run:  python -m benchmarks.projections [--accounts 125000]   (8 events an account)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.stores import close, fill, timed, workspace
from kaflow.application.accounts import IDENTIFIED_TOPIC
from kaflow.bootstrap import open_app
from kaflow.projections.runner import Views
from kaflow.settings import load

NOW = datetime.now(UTC).replace(microsecond=0)
REBUILD = """
import json, resource, sys, time
from kaflow.bootstrap import open_app
from kaflow.projections.runner import Views
from kaflow.application.accounts import IDENTIFIED_TOPIC
from kaflow.settings import load
app = open_app(load(sys.argv[1], environ={}))
views = Views(app)
started = time.perf_counter()
applied = views.rebuild()
print(json.dumps({"seconds": time.perf_counter() - started, "head": views.head(),
                  "updates": applied,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def build(root: Path, accounts: int) -> None:
    app = workspace(root, NOW - timedelta(days=365))
    fill(app, accounts, lambda n: NOW - timedelta(days=1, minutes=n % 600))
    close(app)


def decode_only(root: Path) -> tuple[float, int]:
    """Read and decode every notification the views read, and do nothing with it."""
    app = open_app(load(root, environ={}))
    views = Views(app)
    topics = sorted({t for v in views.views for t in v.topics()})
    head = views.head()

    def run() -> int:
        count, start = 0, 1
        while start <= head:
            page = app.recorder.select_notifications(start, limit=500, stop=head, topics=topics)
            for notification in page:
                app.mapper.to_domain_event(notification)
            count += len(page)
            start = (page[-1].id if len(page) == 500 else head) + 1
        return count

    return timed(run)


def rebuild(root: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", REBUILD, str(root)], capture_output=True,
                          text=True, check=True)  # fmt: skip
    result: dict[str, float] = json.loads(done.stdout)
    return result


def ledger_cli(root: Path, account: str, rounds: int) -> float:
    env = {**os.environ, "KAFLOW_USER": "olga"}
    env.pop("KAFLOW_STORE", None)
    runs = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cli", "ledger", account, "--json"], cwd=root,
                       env=env, capture_output=True, check=True)  # fmt: skip
        runs.append(time.perf_counter() - started)
    return min(runs)


def first_account(app: Any) -> str:
    return str(app.recorder.select_notifications(1, limit=1, topics=[IDENTIFIED_TOPIC])[0]
               .originator_id)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=125_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        sizes = [("big", args.accounts), ("half", args.accounts // 2),
                 ("quarter", args.accounts // 4), ("one", 1)]  # fmt: skip
        for label, count in sizes:
            seconds, _ = timed(lambda c=count, lb=label: build(base / lb, c))
            print(f"built {label:>7}: {count:>9,} accounts in {seconds:6.1f} s", flush=True)
        decode_s, decoded = decode_only(base / "big")
        big = rebuild(base / "big")
        quarter = rebuild(base / "quarter")
        half = rebuild(base / "half")
        print(f"log: {big['head']:,.0f} events; the views read {decoded:,} of them")
        print(f"decode only : {decoded / decode_s:>9,.0f} events/s ({decode_s:6.1f} s)")
        print(f"rebuild all : {decoded / big['seconds']:>9,.0f} events/s "
              f"({big['seconds']:6.1f} s, {big['updates']:,.0f} view updates)")  # fmt: skip
        print(f"ratio rebuild/decode throughput: {decode_s / big['seconds']:.2f} (target >= 0.3)")
        memory = ", ".join(f"{r['peak_mib']:.0f} MiB at {r['head']:,.0f} events"
                           for r in (quarter, half, big))  # fmt: skip
        print(f"peak memory of a rebuild: {memory}")
        app = open_app(load(base / "one", environ={}))
        account = first_account(app)
        Views(app).catch_up()
        close(app)
        # The same account in the big store: the first one built there.
        app = open_app(load(base / "big", environ={}))
        big_account = first_account(app)
        close(app)
        t_big = ledger_cli(base / "big", big_account, args.rounds)
        t_one = ledger_cli(base / "one", account, args.rounds)
        print(f"kaflow ledger ID: {t_big:.3f} s in the big store, {t_one:.3f} s alone; "
              f"ratio {t_big / t_one:.2f} (target <= 2)")  # fmt: skip


if __name__ == "__main__":
    main()
