"""For random histories, a store copied SQLite -> PostgreSQL -> SQLite is the original row
for row: every notification (id, aggregate, version, topic, state) and every snapshot,
gaps in PostgreSQL's notification ids included; and appends go on after the copied ids."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kaflow.aggregates.errors import DomainError
from kaflow.application.service import Kaflow
from kaflow.clock import FixedClock
from kaflow.errors import KaflowError
from kaflow.storage.copy import copy_store
from kaflow.storage.url import store_env
from tests.builders import MIA, T0, identify, make_app, staff
from tests.postgres import Server
from tests.property.test_views_property import KINDS, NATURAL, command

CLOCK = FixedClock(T0 + timedelta(days=400))
SEQUENCE = "pg_get_serial_sequence('kaflow_events', 'notification_id')"

# (account, what, hours later): a command of the procedure (or the next one in its natural
# order), a new account, a snapshot taken; on PostgreSQL also ids lost to the sequence.
STEP = st.tuples(
    st.integers(0, 5),
    st.sampled_from([*KINDS, *["next"] * 12, "new", *["snapshot"] * 3]),
    st.integers(0, 30),
)
GAP = st.tuples(st.integers(0, 5), st.sampled_from(["nextval", "conflict"]), st.integers(1, 3))


def drive(app: Kaflow, accounts: list[UUID], steps: list[Any], url: str | None = None) -> None:
    """Apply the steps; refused commands write nothing. ``url``: the PostgreSQL store."""
    when, progress = T0, [0] * 6
    for n, (which, kind, hours) in enumerate(steps):
        when += timedelta(hours=hours)
        pid = accounts[which % len(accounts)]
        if kind == "new":
            accounts.append(identify(app, f"A{len(accounts)}", when))
        elif kind == "snapshot":
            app.take_snapshot(pid)
        elif kind == "nextval":  # ids taken and never used: a gap
            import psycopg

            assert url is not None
            with psycopg.connect(url) as db:
                db.execute(f"SELECT nextval({SEQUENCE}) FROM generate_series(1, %s)", (hours,))
        elif kind == "conflict":  # an append that fails on the primary key: its id is lost
            twin = StoredEvent(originator_id=pid, originator_version=1, topic="x", state=b"")
            with contextlib.suppress(IntegrityError):
                app.recorder.insert_events([twin])
        else:
            natural = kind == "next"
            if natural:
                kind = NATURAL[progress[which] % len(NATURAL)]
            with contextlib.suppress(KaflowError, DomainError):  # refused: nothing written
                app.handle(MIA, command(kind, pid, when, n))
                progress[which] += natural


def dump(url: str, root: str) -> tuple[list[Any], list[Any]]:
    """The log and the snapshots, as the library reads them."""
    app = Kaflow(env=store_env(url, root))
    try:
        log = [
            (n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state))
            for n in app.recorder.select_notifications(1, limit=1_000_000)
        ]
        assert app.snapshots is not None
        snapshots = [
            (s.originator_id, s.originator_version, s.topic, bytes(s.state))
            for aggregate in sorted({row[1] for row in log})
            for s in app.snapshots.recorder.select_events(aggregate)
        ]
    finally:
        app.close()
    return log, snapshots


def last_id(url: str) -> int:
    """The last id PostgreSQL's sequence handed out (or was set to)."""
    import psycopg

    with psycopg.connect(url) as db:
        sequence = db.execute(f"SELECT {SEQUENCE}").fetchone()
        assert sequence is not None
        found = db.execute(f"SELECT last_value FROM {sequence[0]}").fetchone()
        assert found is not None
        return int(found[0])


def copied(source: str, target: str, root: str, log: list[Any]) -> None:
    """Copy, and check the report and the progress it gave."""
    seen: list[tuple[str, int, int]] = []
    report = copy_store(source, target, root, progress=lambda *p: seen.append(p))
    assert report["verified"] and report["events"] == len(log)
    assert report["last_position"] == max(row[0] for row in log)
    copying = [done for stage, done, _ in seen if stage == "copying"]
    assert copying == sorted(copying) and copying[-1] == len(log)
    assert {total for _, _, total in seen} == {len(log)}


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.lists(STEP, min_size=1, max_size=40),
    then=st.lists(st.one_of(STEP, STEP, GAP), min_size=2, max_size=25),
)
def test_a_store_copied_there_and_back_is_the_original(
    pg_server: Server, first: list[Any], then: list[Any]
) -> None:
    with tempfile.TemporaryDirectory() as root, pg_server.database() as middle:
        app = make_app("sqlite", tmp=Path(root), clock=CLOCK)
        staff(app)
        accounts = [identify(app, "A0")]
        drive(app, accounts, first)
        app.take_snapshot(accounts[0])  # at least one snapshot, besides those taken by chance
        app.close()
        original = f"sqlite:///{root}/k.db"
        before = dump(original, root)
        copied(original, middle, root, before[0])
        assert dump(middle, root) == before

        # On PostgreSQL the history goes on, with ids lost to the sequence between events.
        app = Kaflow(env=store_env(middle, root), clock=CLOCK)
        assert last_id(middle) == before[0][-1][0]  # the sequence: set to the last copied
        drive(app, accounts, then, url=middle)
        identify(app, "Last")  # after the last gap, if any: it shows in the ids
        app.close()
        middle_rows = dump(middle, root)
        assert middle_rows[0][: len(before[0])] == before[0]
        ids = [row[0] for row in middle_rows[0]]
        event("gaps in the ids" if ids != list(range(1, len(ids) + 1)) else "no gaps")
        event("snapshots" if middle_rows[1] else "no snapshots")

        back = f"sqlite:///{root}/back/k.db"
        copied(middle, back, root, middle_rows[0])
        assert dump(back, root) == middle_rows
