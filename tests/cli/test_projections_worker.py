"""``kaflow projections run`` as a real process, on both stores: the views follow the
log without any reader catching up; a rebuild under it is followed; a rebuild by
another version of kaflow stops it (exit 4); SIGTERM stops it cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.builders import dump, store_db
from tests.cli.conftest import Run, as_json, new_account, spawn, wait_for_line

pytestmark = pytest.mark.slow


def start(tmp_path: Path) -> subprocess.Popen[str]:
    process = spawn(tmp_path, "-m", "cli", "projections", "run", "--poll", "0.1")
    wait_for_line(process, "views current")  # it has caught up once
    return process


def behind(ws: Run) -> int:
    """How far the slowest view is behind the head; ``status`` only looks."""
    return max(r["behind"] for r in as_json(ws("projections", "status", "--json")))


def settle(ws: Run, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while (lag := behind(ws)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return lag


def add(ws: Run, name: str) -> str:
    """Added without looking for duplicates, which would catch the views up."""
    args = ["prospect", "add", name, "--category", "potential", "--nature", "distributor"]
    return str(ws(*args, "--allow-duplicate").stdout.strip())


def test_the_worker_keeps_the_views_current_and_stops_cleanly(ws: Run, tmp_path: Path) -> None:
    new_account(ws, "visited")
    worker = start(tmp_path)
    try:
        for n in range(12):  # writes only: no command here catches the views up
            add(ws, f"Co{n}")
        assert settle(ws) == 0
        ws("projections", "rebuild", "accounts")  # reset under it: it follows on
        for n in range(5):
            add(ws, f"Later{n}")
        assert settle(ws) == 0
        with store_db(tmp_path) as db:
            followed = dump(db)
            names = [r[0] for r in db.execute("SELECT name FROM accounts ORDER BY name")]
        assert len(names) == 18 and "Later4" in names
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert "stopped at position" in out
    ws("projections", "rebuild")
    with store_db(tmp_path) as db:
        assert dump(db) == followed  # what it followed equals a rebuild from zero


def test_a_view_rebuilt_by_another_version_stops_the_worker(ws: Run, tmp_path: Path) -> None:
    add(ws, "Acme")
    worker = start(tmp_path)
    try:
        with store_db(tmp_path) as db, db.writing() as cursor:
            cursor.execute("UPDATE kaflow_tracking SET version = 999 WHERE view = 'accounts'")
        add(ws, "Next")  # the worker meets the changed version at its next page
        _, err = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 4, err
    assert "another version of kaflow" in err


def test_status_reports_what_is_behind_without_catching_up(ws: Run) -> None:
    ws("report", "funnel")  # a read: the views exist and are current
    before = as_json(ws("projections", "status", "--json"))
    assert {r["behind"] for r in before} == {0}
    for n in range(3):
        add(ws, f"Co{n}")
    rows = as_json(ws("projections", "status", "--json"))
    added = rows[0]["head"] - before[0]["head"]
    assert added >= 3 and {r["behind"] for r in rows} == {added}
    assert json.loads(ws("report", "funnel", "--json").stdout)  # a read catches up
    assert behind(ws) == 0


@pytest.mark.postgresql_only
def test_the_worker_outlives_its_connections_being_cut(
    ws: Run, tmp_path: Path, store_url: str
) -> None:
    import psycopg

    add(ws, "Acme")
    worker = start(tmp_path)
    try:
        with psycopg.connect(store_url, autocommit=True) as db:  # as a server restart would
            cut = db.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
        assert cut and cut[0] >= 2  # the worker's subscription and its views' connection
        for n in range(3):
            add(ws, f"After{n}")
        assert settle(ws) == 0
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert "will try again" in err and "stopped at position" in out
