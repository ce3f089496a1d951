"""A store in trouble, through the CLI: read-only, full, damaged, without a privilege,
held by another session's lock; and ``kaflow store check``, which says whether it is
whole. Each trouble is said as what it is (exit 2; exit 4 only where retrying helps)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import REPO, Run, as_json, new_account
from tests.postgres import Server

ADD = ("prospect", "add", "Beta", "--category", "potential", "--nature", "distributor")


def _events(ws: Run, pid: str) -> int:
    return len(as_json(ws("history", pid, "--json"))["events"])


# 1. A read-only SQLite store: read, never written


def _unprivileged(
    folder: Path, *args: str, python: bool = False
) -> subprocess.CompletedProcess[str]:
    """kaflow (or, with ``python``, python ARGS) in ``folder`` as a process the file modes
    bind: as root (where they do not), without the capabilities that override them."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root, and no setpriv to give up overriding file modes")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]
    env = {k: v for k, v in os.environ.items() if k != "KAFLOW_STORE"}
    return subprocess.run(
        [*prefix, sys.executable, *(args if python else ("-m", "cli", *args))],
        cwd=folder,
        env={**env, "PYTHONPATH": str(REPO), "KAFLOW_USER": "sam"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@contextmanager
def _read_only(folder: Path, *, whole_folder: bool) -> Iterator[None]:
    """The store's files (and the folder) read-only to an unprivileged process."""
    files = [p for p in folder.iterdir() if p.name.startswith("kaflow.db")]
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in [folder, *files]}
    for path in files:
        path.chmod(0o444)
    if whole_folder:
        folder.chmod(0o555)
    try:
        if _unprivileged(folder, "-c", "open('kaflow.db', 'r+b')", python=True).returncode == 0:
            pytest.skip("the store stays writable here, whatever its mode")
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("whole_folder", [False, True], ids=["file", "folder"])
def test_a_read_only_store_is_read_and_refuses_writes_as_read_only(
    ws: Run, tmp_path: Path, whole_folder: bool
) -> None:
    current = new_account(ws, "contacted")
    ws("report", "funnel")  # the views are current
    digest = hashlib.sha256((tmp_path / "kaflow.db").read_bytes()).hexdigest()
    with _read_only(tmp_path, whole_folder=whole_folder):
        for args in (
            ("prospect", "list", "--json"),
            ("report", "funnel"),
            ("projections", "status"),
            ("ledger", current),
        ):
            done = _unprivileged(tmp_path, *args)
            assert done.returncode == 0, (args, done.stderr)
        assert [a["name"] for a in json.loads(done_json(tmp_path))] == ["Acme"]
        refused = _unprivileged(tmp_path, *ADD)
        assert refused.returncode == 2, refused.stderr
        assert "read-only" in refused.stderr and "nothing was written" in refused.stderr
        assert "retry" not in refused.stderr
        step = _unprivileged(tmp_path, "lose", current, "--reason", "price", "--analysis", "a")
        assert step.returncode == 2 and "read-only" in step.stderr, step.stderr
        rebuild = _unprivileged(tmp_path, "projections", "rebuild")
        assert rebuild.returncode == 2 and "read-only" in rebuild.stderr
        # A copy of a read-only store is a backup: made, or refused as read-only (where
        # SQLite cannot hold it still without writing beside it), never "busy".
        copied = _unprivileged(tmp_path, "store", "copy", "--to", f"sqlite:///{tmp_path}.copy.db")
        assert copied.returncode == 0 or (
            copied.returncode == 2 and "read-only" in copied.stderr
        ), copied.stderr
        assert "busy" not in copied.stderr
    assert hashlib.sha256((tmp_path / "kaflow.db").read_bytes()).hexdigest() == digest
    assert _events(ws, current) == 4


def done_json(folder: Path) -> str:
    return _unprivileged(folder, "prospect", "list", "--json").stdout


@pytest.mark.sqlite_only
def test_a_read_only_store_whose_views_are_behind_or_absent_is_still_read(
    ws: Run, tmp_path: Path
) -> None:
    first = new_account(ws, "analysed")
    ws("report", "funnel")
    second = ws(*ADD).stdout.strip()  # the views are behind by this account
    with _read_only(tmp_path, whole_folder=True):
        listed = _unprivileged(tmp_path, "prospect", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        assert sorted(a["name"] for a in json.loads(listed.stdout)) == ["Acme", "Beta"]
        funnel = _unprivileged(tmp_path, "report", "funnel", "--json")
        assert funnel.returncode == 0, funnel.stderr
        assert _unprivileged(tmp_path, "ledger", second).returncode == 0
        assert _unprivileged(tmp_path, "ledger", first).returncode == 0
        tick = _unprivileged(tmp_path, "scheduler", "tick")
        assert tick.returncode == 2 and "read-only" in tick.stderr, tick.stderr
    copy = tmp_path / "copy"
    copy.mkdir()  # a copy without views (as a verified backup is)
    shutil.copy(tmp_path / "kaflow.db", copy / "kaflow.db")
    with closing(sqlite3.connect(copy / "kaflow.db")) as db:
        db.execute("DROP TABLE kaflow_tracking")
        db.commit()
    (copy / "kaflow.toml").write_text((tmp_path / "kaflow.toml").read_text())
    with _read_only(copy, whole_folder=True):
        funnel = _unprivileged(copy, "report", "funnel")
        assert funnel.returncode == 0, funnel.stderr
        assert _unprivileged(copy, "ledger", first).returncode == 0
        checked = _unprivileged(copy, "store", "check")
        assert checked.returncode == 0 and "Intact" in checked.stdout, checked.stderr
    assert not [p.name for p in copy.iterdir() if p.name not in ("kaflow.db", "kaflow.toml")]


# 2. A full disk, a damaged file, a role without a privilege: said as what they are


@pytest.mark.sqlite_only
def test_a_full_disk_is_said_so_and_nothing_is_written(
    ws: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eventsourcing.sqlite import SQLiteConnectionPool

    pid = new_account(ws, "approach")
    opened = SQLiteConnectionPool._create_connection

    def full(self: Any) -> Any:  # the file may grow no more: the disk is full
        connection = opened(self)
        db = connection._sqlite_conn
        db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
        return connection

    with monkeypatch.context() as patched:
        patched.setattr(SQLiteConnectionPool, "_create_connection", full)
        big = "x" * 19_000  # more than the pages the file has room for
        refused = ws("contact", pid, "--channel", "phone", "--person", "W", "--attitude",
                     "positive", "--notes", big, code=2)  # fmt: skip
        assert "disk is full" in refused.stderr and "nothing was written" in refused.stderr
    assert _events(ws, pid) == 3


def _damage_pages(path: Path) -> None:
    """Garbage over the header of every page after the first (the schema stays readable):
    the tables and indexes are what is damaged."""
    with closing(sqlite3.connect(path)) as db:
        size = db.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    for offset in range(size, len(data), size):
        data[offset : offset + 12] = b"\xa5" * 12
    path.write_bytes(bytes(data))


@pytest.mark.sqlite_only
def test_a_damaged_store_is_said_so_and_refuses_writes(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "analysed")
    store = tmp_path / "kaflow.db"
    assert not (tmp_path / "kaflow.db-wal").exists()  # all in the file
    _damage_pages(store)
    damaged = store.read_bytes()
    for args in (ADD, ("lose", pid, "--reason", "price", "--analysis", "a"), ("report", "funnel")):
        refused = ws(*args, code=2)
        assert "damaged" in refused.stderr and "backup" in refused.stderr, refused.stderr
        assert "retry" not in refused.stderr
    checked = ws("store", "check", "--json", code=1)
    report = json.loads(checked.stdout)
    assert report["intact"] is False and report["integrity"] in ("damaged", "failed")
    assert report["problems"] and "damaged" in checked.stderr
    assert store.read_bytes()[: len(damaged)] == damaged  # nothing written over it


@pytest.mark.postgresql_only
def test_a_role_without_a_privilege_it_needs_is_told_so_never_to_retry(
    ws: Run,
    store_url: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server: Server = request.getfixturevalue("pg_server")
    dbname = store_url.rsplit("/", 1)[1]
    pid = new_account(ws, "analysed")
    ws("report", "funnel")
    role = f"kaflow_np_{os.getpid()}"
    with server.admin(dbname) as db:
        db.execute(f"DROP ROLE IF EXISTS {role}")
        db.execute(f"CREATE ROLE {role} LOGIN")
        db.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        db.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
        db.execute(f"REVOKE INSERT ON kaflow_events FROM {role}")
    theirs = store_url.replace(f"{server.user}@", f"{role}@")
    try:
        with monkeypatch.context() as as_role:
            as_role.setenv("KAFLOW_STORE", theirs)
            refused = ws(*ADD, code=2)
            assert "not written" in refused.stderr and "retry" not in refused.stderr
            with server.admin(dbname) as db:  # INSERT, but not the lock an append takes
                db.execute(f"GRANT INSERT ON kaflow_events TO {role}")
                db.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON kaflow_append_lock FROM {role}")
            refused = ws("lose", pid, "--reason", "price", "--analysis", "a", code=2)
            assert "not written" in refused.stderr and "retry" not in refused.stderr
            with server.admin(dbname) as db:  # reading the log is refused too
                db.execute(f"REVOKE SELECT ON kaflow_events FROM {role}")
            refused = ws("history", pid, code=2)
            assert "lacks a privilege" in refused.stderr and "permission denied" in refused.stderr
        assert _events(ws, pid) == 2
    finally:
        server.drop(dbname)
        with server.admin() as db:
            db.execute(f"DROP ROLE IF EXISTS {role}")


@pytest.mark.postgresql_only
def test_a_role_that_may_only_read_reads_views_that_are_behind(
    ws: Run, store_url: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    server: Server = request.getfixturevalue("pg_server")
    dbname = store_url.rsplit("/", 1)[1]
    new_account(ws, "analysed")
    ws("report", "funnel")
    second = ws(*ADD).stdout.strip()  # the views are behind by this account
    role = f"kaflow_ro_{os.getpid()}"
    with server.admin(dbname) as db:
        db.execute(f"DROP ROLE IF EXISTS {role}")
        db.execute(f"CREATE ROLE {role} LOGIN")
        db.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    try:
        with monkeypatch.context() as as_role:
            as_role.setenv("KAFLOW_STORE", store_url.replace(f"{server.user}@", f"{role}@"))
            names = [a["name"] for a in as_json(ws("prospect", "list", "--json"))]
            assert sorted(names) == ["Acme", "Beta"]
            ws("report", "funnel")
            ws("ledger", second)
            assert "lacks a privilege" in ws("projections", "rebuild", user="olga", code=2).stderr
        status = as_json(ws("projections", "status", "--json", user="olga"))
        assert {row["behind"] for row in status} == {1}  # the store's own: not written
    finally:
        server.drop(dbname)
        with server.admin() as db:
            db.execute(f"DROP ROLE IF EXISTS {role}")


# 3. kaflow store check


def _tamper(store_url: str | None, tmp_path: Path, request: pytest.FixtureRequest,
            sql: str, *params: Any) -> None:  # fmt: skip
    """Change the log behind kaflow's back (``?`` placeholders, ``{log}`` its table)."""
    if store_url is None:
        with sqlite3.connect(tmp_path / "kaflow.db") as db:
            db.execute(sql.format(log="stored_events"), params)
        return
    server: Server = request.getfixturevalue("pg_server")
    with server.admin(store_url.rsplit("/", 1)[1]) as db:
        db.execute("SET session_replication_role = replica")  # past the append-only triggers
        db.execute(sql.format(log="kaflow_events").replace("?", "%s"), params)


def _id(store_url: str | None, pid: str) -> Any:
    from uuid import UUID

    return UUID(pid).hex if store_url is None else UUID(pid)


def test_store_check_finds_a_missing_event_and_one_that_cannot_be_read(
    ws: Run, tmp_path: Path, store_url: str | None, request: pytest.FixtureRequest
) -> None:
    pid = new_account(ws, "contacted")
    other = new_account(ws, "analysed")
    intact = as_json(ws("store", "check", "--json"))
    assert intact["intact"] is True and intact["problems"] == []
    assert intact["accounts"] == 2 and intact["events"] == 1 + 4 + 2 + 2  # users, accounts
    assert intact["integrity"] == ("ok" if store_url is None else None)
    assert "Intact" in ws("store", "check").stdout
    _tamper(store_url, tmp_path, request,
            "DELETE FROM {log} WHERE originator_id = ? AND originator_version = 2",
            _id(store_url, pid))  # fmt: skip
    _tamper(store_url, tmp_path, request,
            "UPDATE {log} SET state = ? WHERE originator_id = ? AND originator_version = 2",
            b"\x00garbage{", _id(store_url, other))  # fmt: skip
    checked = ws("store", "check", code=1)
    assert f"account {pid}: version(s) 2-2 missing" in checked.stdout
    assert f"account {other} version 2" in checked.stdout and "cannot be read" in checked.stdout
    assert "damaged" in checked.stderr and "2 problem(s)" in checked.stderr
    report = json.loads(ws("store", "check", "--json", code=1).stdout)
    assert report["intact"] is False and report["problem_count"] == 2
    assert report["exit_code"] == 1 and len(report["problems"]) == 2


# 4. A log held by another session: every statement waits lock_timeout at most


@pytest.mark.postgresql_only
def test_a_log_held_by_an_access_exclusive_lock_is_busy_within_lock_timeout(
    ws: Run, tmp_path: Path, store_url: str, request: pytest.FixtureRequest
) -> None:
    server: Server = request.getfixturevalue("pg_server")
    pid = new_account(ws, "analysed")
    config = tmp_path / "kaflow.toml"
    config.write_text(config.read_text().replace("lock_timeout = 10", "lock_timeout = 1"))
    with server.admin(store_url.rsplit("/", 1)[1]) as db, db.transaction():
        db.execute("LOCK TABLE kaflow_events IN ACCESS EXCLUSIVE MODE")  # VACUUM FULL
        for args in (
            ("prospect", "list"),
            ("report", "funnel"),
            ("history", pid),
            ("lose", pid, "--reason", "price", "--analysis", "a"),
        ):
            started = time.monotonic()
            result = ws(*args, code=4)
            assert time.monotonic() - started < 15, args
            assert "busy" in result.stderr and "retry" in result.stderr, result.stderr
    assert _events(ws, pid) == 2
    assert "lost" not in ws("prospect", "show", pid).stdout
