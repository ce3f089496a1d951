"""Commands per second on PostgreSQL with 1, 2 and 4 writer processes on distinct
accounts, the same workload on SQLite in the same run, and the projections worker's lag
behind the log under the heaviest load.

Each writer is a process with its own application (as each salesperson's CLI, or a
service, would be), issuing commands through the application service: load the account,
check the rules, save. Writers start together; the rate is all their commands over the
wall time from the start to the last one done. The accounts are distinct, so no writer
waits for another's account: what is shared is the store.

The PostgreSQL server is a throwaway one (pytest-postgresql's executor, the installed
binaries), run with fsync off like the tests' (the numbers compare the engines'
concurrency, not the disks'); SQLite runs with kaflow's settings (WAL, synchronous NORMAL
on the views; the library's defaults on the log).

Run:  python -m benchmarks.postgres [--commands 300] [--accounts 10]
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from uuid import UUID

from kaflow.application import commands as c
from kaflow.bootstrap import open_app
from kaflow.projections.runner import Views
from kaflow.settings import load
from kaflow.workspace import init_workspace
from tests import postgres
from tests.builders import SAM, advance, identify, staff

CYCLE = ["approach", "conference", "prepare", "contact"]  # each allowed from 'contacted'


def step(kind: str, pid: UUID, n: int) -> Any:
    base: dict[str, Any] = {"prospect_id": pid}
    if kind == "approach":
        return c.DecideApproach(method=c.ApproachMethod.VISIT, chair="mia", notes=f"m{n}", **base)
    if kind == "conference":
        return c.HoldConference(participants=["sam", "mia"], notes=f"c{n}", **base)
    if kind == "prepare":
        return c.PrepareMaterial(customer_data="d", analysis=f"a{n}", sales_materials="m", **base)
    return c.RecordContact(
        channel=c.ContactChannel.PHONE,
        person="Wang",
        attitude=c.Attitude.POSITIVE,
        notes=f"n{n}",
        **base,
    )


def writer(root: str, ids: list[str], count: int, go: Any, done: Any) -> None:
    app = open_app(load(root))
    accounts = [UUID(i) for i in ids]
    for pid in accounts:  # warm: the account is in this process's cache, as it would be
        app.get_prospect(pid)
    go.wait()
    started = time.perf_counter()
    for n in range(count):
        app.handle(SAM, step(CYCLE[n % len(CYCLE)], accounts[n % len(accounts)], n))
    done.put((started, time.perf_counter()))
    app.close()


def workspace(root: Path, store: str, accounts: int) -> list[str]:
    settings = init_workspace(root, "olga", store, "UTC")
    app = open_app(settings)
    staff(app)
    ids = []
    for n in range(accounts):
        pid = identify(app, f"Account {n}")
        advance(app, pid, "contacted")
        ids.append(str(pid))
    app.close()
    return ids


class Probe:
    """While writers run: how many sessions wait for a lock (PostgreSQL), sampled every
    10 ms, and how busy the machine's cores are (/proc/stat)."""

    def __init__(self, url: str | None) -> None:
        self.url, self.stop = url, threading.Event()
        self.waiting: list[int] = []

    def __enter__(self) -> Probe:
        self.cpu = _cpu()
        if self.url is not None:
            self.thread = threading.Thread(target=self._sample)
            self.thread.start()
        return self

    def _sample(self) -> None:
        import psycopg

        with psycopg.connect(str(self.url), autocommit=True) as db:
            while not self.stop.is_set():
                row = db.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()
                self.waiting.append(int(row[0]) if row else 0)
                time.sleep(0.01)

    def __exit__(self, *exc: object) -> None:
        busy, total = (b - a for a, b in zip(self.cpu, _cpu(), strict=True))
        self.busy = busy / total if total else 0.0
        self.stop.set()
        if self.url is not None:
            self.thread.join()

    def text(self) -> str:
        cores = os.cpu_count() or 1
        line = f"CPU {self.busy:.0%} of {cores} cores"
        if self.waiting:
            line += f"; sessions waiting for a lock: {statistics.mean(self.waiting):.2f} on average"
        return line


def _cpu() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def run(
    root: Path, ids: list[str], writers: int, per: int, count: int, probe: Probe | None = None
) -> float:
    """Commands per second of ``writers`` processes, ``count`` commands each; ``probe``
    watches from their start to the last one done."""
    ctx = multiprocessing.get_context("spawn")
    go, done = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=writer, args=(str(root), ids[w * per : (w + 1) * per], count, go, done))
        for w in range(writers)
    ]
    for p in procs:
        p.start()
    time.sleep(2.0)  # every writer has started and warmed up
    with probe or contextlib.nullcontext():
        go.set()
        spans = [done.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    wall = max(end for _, end in spans) - min(start for start, _ in spans)
    return float(writers * count / wall)


def with_worker(root: Path, ids: list[str], per: int, count: int) -> tuple[float, list[int], float]:
    """The 4-writer run with a projections worker following: the rate, the lag sampled
    every 20 ms (events the slowest view is behind the head), and how long after the
    last write the views were current."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    worker = subprocess.Popen(
        [sys.executable, "-m", "cli", "projections", "run"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    for line in worker.stdout:
        if line.startswith("views current"):
            break
    app = open_app(load(root))
    views = Views(app)
    lags: list[int] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            lags.append(views.head() - min(views.positions().values()))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    rate = run(root, ids, 4, per, count)
    finished = time.perf_counter()
    head = views.head()
    while min(views.positions().values()) < head:
        time.sleep(0.005)
    settled = time.perf_counter() - finished
    sampling.set()
    sampler.join()
    worker.terminate()
    worker.wait(30)
    views.close()
    app.close()
    return rate, lags, settled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=300, help="per writer")
    parser.add_argument("--accounts", type=int, default=10, help="per writer")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each, the median")
    options = parser.parse_args()
    count, per = options.commands, options.accounts
    server = postgres.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            rates: dict[str, dict[int, float]] = {"sqlite": {}, "postgresql": {}}
            roots, urls = {}, {}
            for store in ("sqlite", "postgresql"):
                root = Path(folder) / store
                root.mkdir()
                url = "sqlite:///kaflow.db" if store == "sqlite" else server.url(server.create())
                urls[store] = None if store == "sqlite" else url
                roots[store] = (root, workspace(root, url, 4 * per))
            for writers in (1, 2, 4):
                for store in ("sqlite", "postgresql"):
                    root, ids = roots[store]
                    measured, probes = [], []
                    for _ in range(options.rounds):  # interleaved would be fairer; noisy box
                        probes.append(Probe(urls[store]))
                        measured.append(run(root, ids, writers, per, count, probes[-1]))
                    rates[store][writers] = statistics.median(measured)
                    middle = probes[measured.index(rates[store][writers])] if (
                        options.rounds % 2) else probes[-1]  # fmt: skip
                    print(
                        f"{store:10}  {writers} writer(s): {rates[store][writers]:7.0f} "
                        f"commands/s, median of {options.rounds} "
                        f"({' '.join(f'{m:.0f}' for m in measured)}); {middle.text()}",
                        flush=True,
                    )
            for store in ("sqlite", "postgresql"):
                r = rates[store]
                scale = f"x{r[2] / r[1]:.2f}, x{r[4] / r[1]:.2f}"
                print(f"{store:10}  scaling 1 -> 2 -> 4 writers: {scale}")
            print(
                "postgresql/sqlite: "
                + ", ".join(
                    f"{w} writer(s) {rates['postgresql'][w] / rates['sqlite'][w]:.2f}"
                    for w in (1, 2, 4)
                )
            )
            root, ids = roots["postgresql"]
            rate, lags, settled = with_worker(root, ids, per, count)
            print(
                f"postgresql  4 writers with a projections worker: {rate:.0f} commands/s; "
                f"worker lag median {statistics.median(lags):.0f}, p90 "
                f"{sorted(lags)[int(0.9 * len(lags))]}, max {max(lags)} events "
                f"({len(lags)} samples); views current {settled * 1000:.0f} ms after the "
                "last write"
            )
    finally:
        postgres.stop(server)


if __name__ == "__main__":
    main()
