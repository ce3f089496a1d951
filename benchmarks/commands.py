"""Commands per second through kaflow's application service on SQLite, side by side with
(a) the same saves by a bare eventsourcing aggregate with no rules -- once with the
library's defaults, once configured as kaflow is (aggregate cache, snapshots, projector),
which isolates what the rules cost -- and (b) raw single-row SQLite commits on the same
file settings (the physical limit); and the time to load an account with 1,000 events
versus one with 10 (a fresh process's load: no cache).

Run:  python benchmarks/commands.py [--ops 300] [--rounds 5]
Targets: kaflow/bare >= 0.9; load(1000)/load(10) <= 2.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from kaflow.aggregates.directory import Role
from kaflow.application import commands as c
from kaflow.application.actor import Actor
from kaflow.application.analysis import TEMPLATE, AnalyseProspect
from kaflow.application.service import SNAPSHOT_EVERY, Kaflow, replay

T0 = datetime(2026, 1, 5, tzinfo=UTC)
MIA = Actor("mia")


class Bare(Aggregate):
    """The same event payload as a contact, with no lifecycle and no rules."""

    @event("Created")
    def __init__(self, name: str) -> None:
        self.contacts = 0

    @event("ContactRecorded")
    def record_contact(
        self,
        channel: str,
        person: str,
        attitude: str,
        notes: str,
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        self.contacts += 1


class BareApp(Application[UUID]):
    """Library defaults: no cache, no snapshots."""


class TunedBareApp(Application[UUID]):
    """Configured as kaflow is, but no rules, no lifecycle, no validation."""

    env = Kaflow.env
    snapshotting_intervals = {Bare: SNAPSHOT_EVERY}  # noqa: RUF012
    snapshotting_projectors = {Bare: replay}  # noqa: RUF012


def sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


def kaflow_setup(folder: Path, accounts: int) -> tuple[Kaflow, list[UUID]]:
    import yaml

    app = Kaflow(env=sqlite_env(folder / "kaflow.db"))
    app.create_directory("olga")
    app.add_user(Actor("olga"), c.AddUser(name="mia", role=Role.MANAGER, effective_from=T0))
    analysis = yaml.safe_load(TEMPLATE.read_text())
    ids = []
    for n in range(accounts):
        pid = app.identify(
            MIA,
            c.IdentifyProspect(
                name=f"P{n}", category=c.Category.POTENTIAL, nature="d", occurred_at=T0
            ),
        )
        app.handle(
            MIA,
            AnalyseProspect.validate({"prospect_id": pid, "analysis": analysis, "occurred_at": T0}),
        )
        app.handle(
            MIA,
            c.DecideApproach(
                prospect_id=pid,
                method=c.ApproachMethod.VISIT,
                chair="mia",
                notes="n",
                occurred_at=T0,
            ),
        )
        ids.append(pid)
    return app, ids


def kaflow_op(app: Kaflow, ids: list[UUID]) -> Callable[[int], None]:
    def op(i: int) -> None:
        app.handle(
            MIA,
            c.RecordContact(
                prospect_id=ids[i % len(ids)],
                channel=c.ContactChannel.PHONE,
                person="Wang",
                attitude=c.Attitude.POSITIVE,
                notes="call",
                occurred_at=T0,
            ),
        )

    return op


def bare_setup(folder: Path, accounts: int, tuned: bool) -> Callable[[int], None]:
    kind = TunedBareApp if tuned else BareApp
    app = kind(env=sqlite_env(folder / f"{kind.__name__}.db"))
    projector: Any = replay if tuned else None
    ids = []
    for n in range(accounts):
        agg = Bare(name=f"P{n}")
        app.save(agg)
        ids.append(agg.id)

    def op(i: int) -> None:
        agg = (
            app.repository.get(ids[i % len(ids)], projector_func=projector)
            if tuned
            else app.repository.get(ids[i % len(ids)])
        )
        agg.record_contact(
            channel="phone",
            person="Wang",
            attitude="positive",
            notes="call",
            actor="mia",
            actor_role="manager",
            occurred_at=T0,
        )
        app.save(agg)

    op.app = app  # type: ignore[attr-defined]  # keep the application (and its pool) alive
    return op


def raw_setup(folder: Path) -> Callable[[int], None]:
    db = sqlite3.connect(folder / "raw.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE t (originator_id TEXT, originator_version INTEGER, topic TEXT, "
        "state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    payload = b'{"channel":"phone","person":"Wang","attitude":"positive","notes":"call"}'

    def op(i: int) -> None:
        db.execute("BEGIN")
        db.execute("INSERT INTO t VALUES (?, ?, ?, ?)", ("x", i, "ContactRecorded", payload))
        db.execute("COMMIT")

    return op


def rates(ops: dict[str, Callable[[int], None]], start: int, n: int) -> dict[str, float]:
    """Operations per second of each variant, interleaved op by op so that the machine's
    noise falls on all of them alike."""
    spent = dict.fromkeys(ops, 0.0)
    for i in range(start, start + n):
        for name, op in ops.items():
            began = time.perf_counter()
            op(i)
            spent[name] += time.perf_counter() - began
    return {name: n / seconds for name, seconds in spent.items()}


def load_time(app: Kaflow, pid: UUID, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        assert app.repository.cache is not None
        app.repository.cache.get(pid, evict=True)  # as a new CLI process would load it
        began = time.perf_counter()
        app.get_prospect(pid)
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def grow(app: Kaflow, pid: UUID, total: int) -> None:
    op = kaflow_op(app, [pid])
    while app.get_prospect(pid).version < total:
        op(0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app, ids = kaflow_setup(folder, 50)
        ops: dict[str, Callable[[int], None]] = {
            "kaflow": kaflow_op(app, ids),
            "bare": bare_setup(folder, 50, tuned=False),
            "tuned": bare_setup(folder, 50, tuned=True),
            "raw": raw_setup(folder),
        }
        measured: dict[str, list[float]] = {k: [] for k in ops}
        for r in range(args.rounds):
            for name, value in rates(ops, r * args.ops, args.ops).items():
                measured[name].append(value)
        med = {k: statistics.median(v) for k, v in measured.items()}
        print(
            f"commands/s  kaflow {med['kaflow']:6.0f}  bare (library defaults) {med['bare']:6.0f}"
            f"  bare (configured as kaflow) {med['tuned']:6.0f}  raw sqlite {med['raw']:6.0f}"
        )
        print(f"ratio kaflow/bare           = {med['kaflow'] / med['bare']:.2f}  (target >= 0.90)")
        print(
            f"ratio kaflow/bare-as-kaflow = {med['kaflow'] / med['tuned']:.2f}"
            "  (what the rules cost)"
        )
        print(
            f"ratio kaflow/raw sqlite     = {med['kaflow'] / med['raw']:.2f}  (physical limit 1.00)"
        )

        (folder / "load").mkdir()
        fresh, (small, large, worst) = kaflow_setup(folder / "load", 3)
        grow(fresh, small, 10)
        grow(fresh, large, 1000)
        grow(fresh, worst, 1000 + SNAPSHOT_EVERY - 1)
        t_small, t_large, t_worst = (load_time(fresh, pid, 200) for pid in (small, large, worst))
        print(
            f"load account   10 events {t_small * 1e6:6.0f} us"
            f"   1,000 events {t_large * 1e6:6.0f} us"
            f"   {1000 + SNAPSHOT_EVERY - 1:,} events (worst case) {t_worst * 1e6:6.0f} us"
        )
        print(
            f"ratio load(1000)/load(10) = {t_large / t_small:.2f}  (target <= 2.00); "
            f"worst case {t_worst / t_small:.2f}"
        )


if __name__ == "__main__":
    main()
