"""Many processes on one store at once: four writers issuing 250 commands each on 20
shared accounts, a scheduler recording missed follow-ups (the window is two seconds)
and a projections worker, all at the same time, on both stores.

At the end: every command that reported success has exactly one event and every other
none; every miss is recorded and delivered once; every account went only through
steps the lifecycle allows; the views that the worker, the scheduler and the readers
kept between them equal a rebuild from zero.
"""

from __future__ import annotations

import itertools
import json
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from uuid import UUID

import pytest

from kaflow.aggregates.lifecycle import TRIGGERS, State, next_state
from kaflow.bootstrap import open_app
from kaflow.projections.log import notifications_with_topic
from kaflow.settings import load
from tests.builders import dump, store_db
from tests.cli.conftest import Run, as_json, new_account, spawn

pytestmark = pytest.mark.slow
WRITERS, COMMANDS, ACCOUNTS = 4, 250, 20
REPO = Path(__file__).parents[2]
MARKER = re.compile(rb'"(w\d+-\d+)"')


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, (out, err)
    return out


def test_writers_a_scheduler_and_a_worker_at_once_lose_and_duplicate_nothing(
    ws: Run, tmp_path: Path
) -> None:
    config = tmp_path / "kaflow.toml"
    config.write_text(config.read_text().replace('"P7D"', '"PT2S"'))
    ids = [new_account(ws, "contacted") for _ in range(ACCOUNTS)]
    (tmp_path / "ids").write_text("\n".join(ids))
    worker = spawn(tmp_path, "-m", "cli", "projections", "run", "--poll", "0.2")
    scheduler = spawn(tmp_path, "-m", "cli", "scheduler", "run", "--poll", "0.5")
    args = ["-m", "tests.writer", str(tmp_path), "ids"]
    writers = [
        spawn(tmp_path, *args, str(seed), str(COMMANDS), f"out{seed}.json")
        for seed in range(1, WRITERS + 1)
    ]
    for writer in writers:
        assert writer.wait(600) == 0, writer.communicate()
    time.sleep(3)  # the last visits' two seconds pass: the scheduler records the misses
    stop(scheduler)
    ws("scheduler", "tick")  # and delivers what late steps recorded after its last look
    outs = [json.loads((tmp_path / f"out{s}.json").read_text()) for s in range(1, WRITERS + 1)]
    races = sum(o["lost_races"] for o in outs)
    results = [r for out in outs for r in out["results"]]
    outcomes = Counter(r["outcome"] for r in results)
    assert len(results) == WRITERS * COMMANDS and outcomes["ok"] > WRITERS * COMMANDS / 3
    assert races > 0  # writers did meet on one account, and were retried

    app = open_app(load(tmp_path))
    try:
        markers: Counter[str] = Counter()
        states: dict[str, list[str]] = {}
        misses: Counter[tuple[str, int]] = Counter()
        for notification in notifications_with_topic(app.recorder):
            markers.update(m.decode() for m in MARKER.findall(notification.state))
            event = app.mapper.to_domain_event(notification)
            if type(event).__name__ == "FollowUpOverdue":
                misses[(event.originator_id.hex, event.deadline)] += 1
        for pid in ids:
            replayed = None
            for event in app.events.get(UUID(pid)):
                replayed = event.mutate(replayed)  # type: ignore[attr-defined]
                states.setdefault(pid, []).append(str(replayed.state))  # type: ignore[attr-defined]
    finally:
        app.close()
    for r in results:  # what reported success is there once; the rest is not there
        assert markers[r["marker"]] == (1 if r["outcome"] == "ok" else 0), r
    assert set(markers) <= {r["marker"] for r in results}
    for pid, seen in states.items():
        assert seen[-1] in list(State)
        for before, after in itertools.pairwise(seen):
            assert before == after or any(next_state(t, before) == after for t in TRIGGERS), (
                pid,
                before,
                after,
            )
    assert misses and set(misses.values()) == {1}  # every miss recorded once
    lines = [json.loads(x) for x in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    delivered = Counter(n["id"] for n in lines if n["kind"] == "overdue")
    assert len(delivered) == len(misses) and set(delivered.values()) == {1}

    deadline = time.monotonic() + 60
    while max(r["behind"] for r in as_json(ws("projections", "status", "--json"))) > 0:
        assert time.monotonic() < deadline, "the worker fell behind and stayed behind"
        time.sleep(0.1)
    assert "stopped at position" in stop(worker)
    with store_db(tmp_path) as db:
        kept = dump(db)
    ws("projections", "rebuild")
    with store_db(tmp_path) as db:
        assert dump(db) == kept
    # Every append, by every process at once, extended the log's hash chain in turn.
    verified = as_json(ws("audit", "verify", "--json"))
    assert verified["intact"] and verified["events"] > len(results) / 3
