"""``kaflow scheduler run`` as a real process, with a follow-up window of seconds."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from kaflow.application import commands as c
from kaflow.application.service import Kaflow
from kaflow.bootstrap import open_app
from kaflow.settings import load
from tests.builders import SAM, advance, identify, visit_cmd
from tests.cli.conftest import Run, spawn, wait_for_line

pytestmark = pytest.mark.slow


def workspace(ws: Run, tmp_path: Path, window: str) -> Kaflow:
    config = tmp_path / "kaflow.toml"
    config.write_text(config.read_text().replace('"P7D"', f'"{window}"'))
    return open_app(load(tmp_path, environ={}))


def visited(app: Kaflow, name: str, when: datetime | None = None) -> UUID:
    """An account visited ``when`` (default now), with everything before it done."""
    pid = identify(app, name)
    advance(app, pid, "prepared")
    app.handle(SAM, visit_cmd(pid, when=when or datetime.now(UTC)))
    return pid


def start(tmp_path: Path, poll: float = 0.3) -> subprocess.Popen[str]:
    """``scheduler run``, acting as nobody."""
    args = ["-m", "cli", "scheduler", "run", "--poll", str(poll)]
    return spawn(tmp_path, *args, without=("KAFLOW_USER",))


def each_miss_once(app: Kaflow, accounts: list[UUID], sent: list[dict[str, object]]) -> None:
    """Every account's miss recorded once, and its notice delivered once in ``sent``."""
    assert [overdue_count(app, p) for p in accounts] == [1] * len(accounts)
    delivered = Counter(str(n["id"]) for n in sent)
    assert sorted(delivered) == sorted(f"overdue:{p}:1" for p in accounts)
    assert set(delivered.values()) == {1}


def stop_all(schedulers: list[subprocess.Popen[str]]) -> None:
    """SIGTERM to each (once it runs: one restarted just now may still be starting)."""
    for process in schedulers:
        wait_for_line(process, "scheduler running")  # its signal handlers are in place
        process.send_signal(signal.SIGTERM)
    for process in schedulers:
        assert process.wait(timeout=20) == 0


def notices(tmp_path: Path, name: str = "outbox.jsonl") -> list[dict[str, object]]:
    path = tmp_path / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines(keepends=True)
            if line.endswith("\n")]  # fmt: skip


def wait_for(check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def overdue_count(app: Kaflow, pid: UUID) -> int:
    return sum(type(e).__name__ == "FollowUpOverdue" for e in app.events.get(pid))


def test_run_fires_picks_up_drops_and_stops_on_sigterm(ws: Run, tmp_path: Path) -> None:
    app = workspace(ws, tmp_path, "PT5S")
    first = visited(app, "First")
    kept = visited(app, "Followed")
    scheduler = start(tmp_path, poll=2)  # polls at 0, 2, 4, 6 s: a job fires in between
    try:
        time.sleep(1)
        later = visited(app, "Later")  # added after the scheduler started
        app.handle(
            SAM,
            c.RecordFollowUp(prospect_id=kept, channel=c.FollowUpChannel.PHONE, feedback="fine"),
        )
        wait_for(lambda: {n["account"]["name"] for n in notices(tmp_path)} >= {"First", "Later"})  # type: ignore[index]
        time.sleep(2.5)  # a poll more: nothing else is due
        scheduler.send_signal(signal.SIGTERM)
        out, err = scheduler.communicate(timeout=20)
    finally:
        scheduler.kill()
    assert scheduler.returncode == 0, err
    assert "scheduler stopped" in out and "Traceback" not in err
    sent = notices(tmp_path)
    assert sorted(n["account"]["name"] for n in sent) == ["First", "Later"]  # type: ignore[index]
    for notice in sent:  # fired at its time by its job, not found by a later poll
        late = datetime.fromisoformat(str(notice["noticed_at"])) - datetime.fromisoformat(
            str(notice["due_at"])
        )
        assert timedelta(0) < late < timedelta(seconds=1), notice
    assert [overdue_count(app, p) for p in (first, later, kept)] == [1, 1, 0]


def test_killed_and_doubled_schedulers_record_and_deliver_each_miss_once(
    ws: Run, tmp_path: Path
) -> None:
    rng = random.Random(7)
    app = workspace(ws, tmp_path, "PT8S")
    now = datetime.now(UTC)
    # Deadlines falling due one after another over the next few seconds.
    accounts = [
        visited(app, f"A{i}", now - timedelta(seconds=8) + timedelta(seconds=0.25 * i))
        for i in range(24)
    ]
    last_due = now + timedelta(seconds=0.25 * 24)
    schedulers = [start(tmp_path), start(tmp_path)]  # two at once, on one store
    kills = 0
    try:
        while kills < 12 or datetime.now(UTC) < last_due:
            time.sleep(rng.uniform(0.3, 1.0))  # start-up takes about 0.4 s: mostly mid-work
            victim = rng.randrange(2)
            schedulers[victim].send_signal(signal.SIGKILL)
            schedulers[victim].wait()
            kills += 1
            schedulers[victim] = start(tmp_path)
        wait_for(lambda: len(notices(tmp_path)) >= len(accounts), timeout=60)
        time.sleep(1)  # and nothing more comes
        stop_all(schedulers)
    finally:
        for process in schedulers:
            process.kill()
    each_miss_once(app, accounts, notices(tmp_path))
    assert (tmp_path / "outbox.jsonl").read_bytes().endswith(b"\n")


def test_schedulers_of_two_workspaces_on_one_store_deliver_each_miss_once(
    ws: Run, tmp_path: Path
) -> None:
    """As on two machines: each folder has its own kaflow.toml and outbox, one store."""
    app = workspace(ws, tmp_path, "PT6S")
    store = load(tmp_path, environ={}).store
    if store.startswith("sqlite:///") and not store.startswith("sqlite:////"):
        store = f"sqlite:///{tmp_path / store.removeprefix('sqlite:///')}"  # absolute
    other = tmp_path / "other"
    other.mkdir()
    joined = subprocess.run(
        [sys.executable, "-m", "cli", "init", "--join", "--store", store],
        cwd=other,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "KAFLOW_STORE"},
    )
    assert joined.returncode == 0, joined.stderr
    config = other / "kaflow.toml"  # this machine names its outbox otherwise
    config.write_text(config.read_text().replace('"outbox.jsonl"', '"machine-b.jsonl"'))
    now = datetime.now(UTC)
    accounts = [
        visited(app, f"A{i}", now - timedelta(seconds=6) + timedelta(seconds=0.2 * i))
        for i in range(20)
    ]
    schedulers = [start(tmp_path, poll=0.5), start(other, poll=0.5)]
    try:

        def both() -> bool:
            return len(notices(tmp_path)) + len(notices(other, "machine-b.jsonl")) >= len(accounts)

        wait_for(both, timeout=60)
        time.sleep(1.5)  # and nothing more comes
        stop_all(schedulers)
    finally:
        for process in schedulers:
            process.kill()
    each_miss_once(app, accounts, notices(tmp_path) + notices(other, "machine-b.jsonl"))
