"""``kaflow store copy``: a workspace moved to the other kind of store (SQLite to
PostgreSQL, PostgreSQL to SQLite) reads the same there and goes on; what is refused."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from kaflow.storage import copy as copy_module
from tests.cli.conftest import CONTACT, Run, as_json, new_account
from tests.postgres import PASSWORD, PASSWORD_USER, Server

AS_OF = "2026-06-30"  # reports as of a fixed day: the same on both stores, whenever run
NOW = {"seconds_left", "development_seconds"}  # what counts on with the clock


@pytest.fixture
def other(store_url: str | None, pg_server: Server) -> Iterator[str]:
    """An empty store of the other kind: PostgreSQL for a SQLite workspace, and back
    (a SQLite file in a folder that does not exist yet, relative to the workspace)."""
    if store_url is None:
        with pg_server.database() as url:
            yield url
    else:
        yield "sqlite:///moved/kaflow.db"


def populate(ws: Run) -> list[str]:
    """Accounts at every stage, won, lost, corrected and reviewed; one long enough for a
    snapshot; a missed follow-up recorded and its notice delivered."""
    ids = [new_account(ws, stage) for stage in ("identified", "analysed", "visited")]
    won = new_account(ws, "followed_up")
    ws("win", won, "--classification", "A", "--summary", "s", "--at", "2026-03-09", user="mia")
    ws("correct", won, "--entry", "2", "--field", "person", "--value", "Li", "--reason", "typo")
    ws("review", won, "--remarks", "complete", user="mia")
    lost = new_account(ws, "visited")
    ws("lose", lost, "--reason", "price", "--analysis", "too dear", "--at", "2026-03-07")
    busy = new_account(ws, "contacted")
    for n in range(18):  # 22 events: a snapshot at version 20
        ws(*CONTACT(busy, person=f"p{n}"))
    tick = as_json(ws("scheduler", "tick", "--json", user=None))
    assert tick["delivered"] >= 1  # the visited account's missed follow-up
    return [*ids, won, lost, busy]


def readings(ws: Run, ids: list[str]) -> Any:
    """What people read: the accounts, each record, the funnel, the open deadlines."""
    return timeless(
        {
            "prospects": as_json(ws("prospect", "list", "--json")),
            "funnel": as_json(ws("report", "funnel", "--as-of", AS_OF, "--json")),
            "deadlines": as_json(ws("deadlines", "--json")),
            "ledgers": [as_json(ws("ledger", pid, "--json")) for pid in ids],
        }
    )


def timeless(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: timeless(v) for k, v in data.items() if k not in NOW}
    if isinstance(data, list):
        return [timeless(v) for v in data]
    return data


def head(ws: Run) -> int:
    return max(v["head"] for v in as_json(ws("projections", "status", "--json")))


def events_in(url: str, root: Path) -> int:
    """The events a store holds, read without kaflow."""
    if url.startswith("sqlite:///"):
        path = root / url.removeprefix("sqlite:///")
        if not path.exists():
            return 0
        with contextlib.closing(sqlite3.connect(path)) as db:
            return int(db.execute("SELECT count(*) FROM stored_events").fetchone()[0])
    import psycopg

    with psycopg.connect(url) as db:
        found = db.execute("SELECT to_regclass('kaflow_events') IS NOT NULL").fetchone()
        if not (found and found[0]):
            return 0
        counted = db.execute("SELECT count(*) FROM kaflow_events").fetchone()
        return int(counted[0]) if counted else 0


def test_a_moved_workspace_reads_the_same_and_goes_on(
    ws: Run, other: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = populate(ws)
    before = readings(ws, ids)
    last = head(ws)
    outbox = (tmp_path / "outbox.jsonl").read_text()
    report = as_json(ws("store", "copy", "--to", other, "--json"))
    assert report["verified"] is True and report["to"] == other
    assert report["accounts"] == len(ids) and report["aggregates"] == len(ids) + 1
    assert report["events"] == report["last_position"] == last  # no gaps here
    assert report["snapshots"] >= 1 and report["delivered"] == 1
    assert report["switched"] is None and "set store" in report["next"]
    assert events_in(other, tmp_path) == last

    with monkeypatch.context() as there:
        there.setenv("KAFLOW_STORE", other)
        assert head(ws) == last
        assert readings(ws, ids) == before  # the views rebuilt there say the same
        tick = as_json(ws("scheduler", "tick", "--json", user=None))
        assert tick["delivered"] == 0  # notices delivered from the old store are not again
        assert (tmp_path / "outbox.jsonl").read_text() == outbox
        added = ws("prospect", "add", "Next", "--category", "potential", "--nature", "oem")
        ws(*CONTACT(ids[-1], person="after"))
        assert head(ws) == last + 2  # positions go on after the copied ones
        assert added.stdout.strip() in {p["id"] for p in as_json(ws("prospect", "list", "--json"))}

    # The old store: as it was.
    assert readings(ws, ids) == before and head(ws) == last


def test_the_text_report_and_a_target_that_holds_events(ws: Run, other: str) -> None:
    pid = new_account(ws, "contacted")
    text = ws("store", "copy", "--to", other).stdout
    assert f"to {other}: 1 account(s), " in text and "\nVerified: " in text
    assert f'set store = "{other}" in kaflow.toml' in text
    again = ws("store", "copy", "--to", other, code=2)
    assert f"the target {other} is not empty" in again.stderr
    assert "events" in again.stderr
    error = as_json(ws("store", "copy", "--to", other, "--json", code=2))
    assert error["exit_code"] == 2 and "not empty" in error["error"]
    assert ws("prospect", "list", "--json").stdout.count(pid) == 1  # the source untouched


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://u@h/db", "a store is sqlite:///PATH or postgresql://"),
        ("memory://", "a store is sqlite:///PATH or postgresql://"),
        ("postgresql://u@h:x/db", "bad store URL"),
        ("postgresql://u@h/", "no database name"),
    ],
)
def test_a_bad_url_is_refused(ws: Run, url: str, says: str) -> None:
    assert says in ws("store", "copy", "--to", url, code=2).stderr


def test_the_workspace_s_own_store_is_refused(ws: Run, store_url: str | None) -> None:
    own = store_url or "sqlite:///kaflow.db"
    assert "is the workspace's own store" in ws("store", "copy", "--to", own, code=2).stderr


def test_a_password_is_never_shown(ws: Run, pg_server: Server) -> None:
    name = pg_server.create()
    url = pg_server.url(name, user=PASSWORD_USER, password=PASSWORD)
    shown = url.replace(PASSWORD, "***")
    new_account(ws, "analysed")
    outputs = []
    done = ws("store", "copy", "--to", url)
    assert f'set store = "{shown}"' in done.stdout and "in place of ***" in done.stdout
    outputs.append(done.output + done.stderr)
    as_json_done = ws("store", "copy", "--to", url, "--json", code=2)
    assert shown in as_json_done.stdout
    outputs.append(as_json_done.output + as_json_done.stderr)
    wrong = ws("store", "copy", "--to", url.replace(PASSWORD, "wrong-pw"), code=2)
    assert "password authentication failed" in wrong.stderr
    outputs.append(wrong.output + wrong.stderr)
    assert not [o for o in outputs if PASSWORD in o or "wrong-pw" in o]
    pg_server.drop(name)


def test_switch_points_kaflow_toml_at_the_copy(
    ws: Run, other: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str | None
) -> None:
    pid = new_account(ws, "contacted")
    config = tmp_path / "kaflow.toml"
    lines = config.read_text().splitlines()
    report = ws("store", "copy", "--to", other, "--switch", "--json")
    data = as_json(report)
    assert data["verified"] and data["switched"] == str(config)
    assert "kaflow.toml now uses" in data["next"]
    changed = config.read_text().splitlines()
    assert [n for n, (a, b) in enumerate(zip(lines, changed, strict=True)) if a != b] == [1]
    assert changed[1].startswith(f'store = "{other}"')
    if store_url:  # the workspace's store came from KAFLOW_STORE, which still overrides
        assert "KAFLOW_STORE is set" in report.stderr
    monkeypatch.delenv("KAFLOW_STORE", raising=False)
    ws(*CONTACT(pid, person="on the copy"))
    assert events_in(other, tmp_path) == head(ws)  # the new event went to the copy


def test_switch_keeps_a_password_to_its_owner(ws: Run, pg_server: Server, tmp_path: Path) -> None:
    with pg_server.database() as plain:
        url = plain.replace("postgres@", f"{PASSWORD_USER}:{PASSWORD}@")
        result = ws("store", "copy", "--to", url, "--switch")
        assert PASSWORD not in result.output + result.stderr
        config = tmp_path / "kaflow.toml"
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        assert f'store = "{url}"' in config.read_text()


def test_a_copy_that_differs_exits_1_and_names_the_account(
    ws: Run, other: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sound, broken = new_account(ws, "analysed"), new_account(ws, "contacted")
    insert = copy_module.Store.insert

    def tampered(store: Any, table: str, columns: str, rows: list[Any]) -> None:
        if table == store.events_table:  # one event's state changed on the way
            bad = {UUID(broken), UUID(broken).hex}
            rows = [(*r[:4], r[4] + b" ") if r[1] in bad else r for r in rows]
        insert(store, table, columns, rows)

    monkeypatch.setattr(copy_module.Store, "insert", tampered)
    result = ws("store", "copy", "--to", other, "--json", code=1)
    data = as_json(result)
    assert data["verified"] is False and data["exit_code"] == 1
    assert data["differing_accounts"] == [broken] and sound not in result.stdout
    assert "1 account(s) differ" in data["differences"]
    assert f"the copy at {other} differs from the source" in result.stderr
    text = ws("store", "copy", "--to", other, code=2)  # it is left to look at
    assert "not empty" in text.stderr


def test_a_failed_copy_is_taken_back(
    ws: Run, other: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(ws)
    insert = copy_module.Store.insert

    def failing(store: Any, table: str, columns: str, rows: list[Any]) -> None:
        if table == store.snapshots_table:  # after some batches of events
            raise sqlite3.OperationalError("disk I/O error")
        insert(store, table, columns, rows)

    monkeypatch.setattr(copy_module, "BATCH", 7)
    monkeypatch.setattr(copy_module.Store, "insert", failing)
    result = ws("store", "copy", "--to", other, code=2)
    assert f"the copy to {other} failed and was taken back: disk I/O error" in result.stderr
    assert events_in(other, tmp_path) == 0
    if other.startswith("sqlite"):
        assert not (tmp_path / "moved" / "kaflow.db").exists()
    monkeypatch.setattr(copy_module.Store, "insert", insert)
    assert as_json(ws("store", "copy", "--to", other, "--json"))["verified"]


KILLED_MID_COPY = """
import os, signal, sys
from kaflow.storage import copy as copy_module
from cli.main import main
insert = copy_module.Store.insert
def dying(store, table, columns, rows):
    if table == store.snapshots_table:  # some batches of events written: die, no clean-up
        os.kill(os.getpid(), signal.SIGKILL)
    insert(store, table, columns, rows)
copy_module.BATCH = 7
copy_module.Store.insert = dying
sys.argv = ["kaflow", "store", "copy", "--to", sys.argv[1]]
main()
"""


def test_a_copy_killed_midway_leaves_nothing_behind(ws: Run, other: str, tmp_path: Path) -> None:
    populate(ws)
    env = {k: v for k, v in os.environ.items() if k != "KAFLOW_STORE"}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_MID_COPY, other],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).parents[2])},
        capture_output=True,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert events_in(other, tmp_path) == 0  # rolled back by the engine, not by kaflow
    assert as_json(ws("store", "copy", "--to", other, "--json"))["verified"]


def test_a_busy_store_exits_4_and_nothing_is_copied(
    ws: Run, other: str, tmp_path: Path, store_url: str | None
) -> None:
    new_account(ws, "analysed")
    config = tmp_path / "kaflow.toml"
    config.write_text(config.read_text().replace("lock_timeout = 10", "lock_timeout = 1"))
    with contextlib.ExitStack() as stack:
        if store_url is None:  # a writer holds SQLite's write lock
            db = stack.enter_context(contextlib.closing(sqlite3.connect(tmp_path / "kaflow.db")))
            db.execute("BEGIN IMMEDIATE")
        else:  # a writer holds the log's table lock, as the library's appends take it
            import psycopg

            pg = stack.enter_context(psycopg.connect(store_url))
            pg.execute("LOCK TABLE kaflow_events IN EXCLUSIVE MODE")
        result = ws("store", "copy", "--to", other, code=4)
    assert "is busy: a writer holds it" in result.stderr and "stop the writers" in result.stderr
    assert events_in(other, tmp_path) == 0
    assert as_json(ws("store", "copy", "--to", other, "--json"))["verified"]


def writer_refused(store_url: str | None, root: Path) -> bool:
    """Whether a writer of the log, taking the lock the library's appends take, gives up."""
    if store_url is None:
        path = root / "kaflow.db"
        with contextlib.closing(sqlite3.connect(path, timeout=0.5, isolation_level=None)) as db:
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return True
            db.execute("ROLLBACK")
            return False
    import psycopg

    with psycopg.connect(store_url) as pg:
        pg.execute("SET lock_timeout = '500ms'")
        try:
            pg.execute("LOCK TABLE kaflow_events IN EXCLUSIVE MODE")
        except psycopg.errors.LockNotAvailable:
            return True
        return False


def test_the_store_is_held_still_while_it_is_copied(
    ws: Run, other: str, tmp_path: Path, store_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_account(ws, "contacted")
    refused: list[bool] = []
    insert = copy_module.Store.insert

    def meanwhile(store: Any, table: str, columns: str, rows: list[Any]) -> None:
        if not refused:  # the first batch: a writer tries its luck
            refused.append(writer_refused(store_url, tmp_path))
        insert(store, table, columns, rows)

    monkeypatch.setattr(copy_module.Store, "insert", meanwhile)
    assert as_json(ws("store", "copy", "--to", other, "--json"))["verified"]
    assert refused == [True]
    assert not writer_refused(store_url, tmp_path)  # and after it, writers go on
