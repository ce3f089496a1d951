"""Rebuilds and catch-ups killed with SIGKILL mid-batch, in real processes: the views
end identical to a clean rebuild, and no event is counted twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kaflow.bootstrap import open_app
from kaflow.settings import load
from tests.builders import dump, many_visited, store_db
from tests.cli.conftest import Run

pytestmark = pytest.mark.slow


def kaflow(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "KAFLOW_USER": "olga"}
    env.pop("KAFLOW_STORE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_rebuilds_and_catch_ups_leave_the_views_as_a_clean_rebuild(
    ws: Run, tmp_path: Path
) -> None:
    rng = random.Random(11)
    app = open_app(load(tmp_path, environ={}))
    many_visited(app, 1500)  # about 12,000 events: a rebuild takes many batches
    started = time.monotonic()
    assert kaflow(tmp_path, "projections", "rebuild").wait(120) == 0
    whole = time.monotonic() - started  # start-up, then the rebuild's batches
    kills, rounds, accounts = 0, 0, 1500
    while kills < 4 and rounds < 12:  # killed mid-work at least 4 times, of each kind
        rounds += 1
        if rounds % 2:
            process = kaflow(tmp_path, "projections", "rebuild")
            pause = rng.uniform(0.6, 0.95) * whole  # mostly mid-work, past start-up
        else:
            many_visited(app, 500, start=10_000 * rounds)  # new events: a catch-up's work
            accounts += 500
            process = kaflow(tmp_path, "report", "funnel")  # a read: it catches up first
            pause = rng.uniform(0.4, 0.8) * whole  # a third as many events, same start-up
        time.sleep(pause)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    assert kills >= 4, "the processes ended before they could be killed"
    finished = kaflow(tmp_path, "report", "funnel", "--json")
    assert finished.wait(60) == 0, finished.communicate()
    with store_db(tmp_path) as db:
        caught_up = dump(db)
    clean = kaflow(tmp_path, "projections", "rebuild")
    assert clean.wait(120) == 0, clean.communicate()
    with store_db(tmp_path) as db:
        assert dump(db) == caught_up
        # Counted once: one row per account, one deadline per visit, one entry per step.
        assert db.execute("SELECT count(*) FROM accounts").fetchone()[0] == accounts
        assert db.execute("SELECT count(*) FROM follow_up_deadlines").fetchone()[0] == accounts
        assert db.execute("SELECT count(*) FROM ledger_entries").fetchone()[0] == accounts * 5
