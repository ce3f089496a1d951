"""Deadlines through the CLI: ``scheduler tick --now`` moves time instead of sleeping."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests.cli.conftest import VISIT, Run, as_json, new_account

# new_account visits on 2026-03-06 (midnight, UTC): due 2026-03-13T00:00.
DUE = "2026-03-13T00:00"
AFTER = "2026-03-13T00:00:01"


def outbox(tmp_path: Path) -> list[dict[str, object]]:
    path = tmp_path / "outbox.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_tick_records_a_missed_deadline_once_and_delivers_it_once(ws: Run, tmp_path: Path) -> None:
    ws("user", "add", "dan", "--role", "director", "--since", "2026-01-01", user="olga")
    pid = new_account(ws, "visited")
    assert as_json(ws("scheduler", "tick", "--now", DUE, "--json", user=None))["overdue"] == []
    first = as_json(ws("scheduler", "tick", "--now", AFTER, "--json", user=None))
    assert [o["account"] for o in first["overdue"]] == [pid.replace("-", "")]
    assert first["delivered"] == 1
    again = as_json(ws("scheduler", "tick", "--now", "2026-03-20", "--json", user=None))
    assert again == {**again, "overdue": [], "reminded": [], "delivered": 0}
    [notice] = outbox(tmp_path)
    # mia led the visit; sam owns the account (issue 11: the owner is told too)
    assert notice["kind"] == "overdue" and notice["to"] == ["mia", "sam", "dan"]
    assert notice["id"] == f"overdue:{pid}:1" and notice["due_at"].startswith(DUE)
    history = as_json(ws("history", pid, "--json"))
    assert [e["type"] for e in history["events"]].count("FollowUpOverdue") == 1


def test_tick_text_says_what_it_did(ws: Run) -> None:
    new_account(ws, "visited")
    text = ws("scheduler", "tick", "--now", AFTER, user=None).stdout
    assert "overdue: account" in text and "led by mia" in text
    assert "1 notice(s) delivered to outbox.jsonl" in text


def test_a_tick_ahead_of_the_clock_is_refused_unless_allowed(ws: Run, tmp_path: Path) -> None:
    new_account(ws, "visited")

    def recorded() -> list[object]:
        return [{**d, "seconds_left": 0} for d in as_json(ws("deadlines", "--json"))]

    recorded_visit = recorded()
    result = ws("scheduler", "tick", "--now", "2999-01-01", user=None, code=2)
    assert "ahead of the clock" in result.stderr and outbox(tmp_path) == []
    assert recorded() == recorded_visit
    ws("scheduler", "tick", "--now", "2999-01-01", "--allow-future", user=None)
    assert len(outbox(tmp_path)) == 1


def test_a_follow_up_in_time_leaves_nothing_to_do(ws: Run, tmp_path: Path) -> None:
    new_account(ws, "followed_up")
    assert as_json(ws("scheduler", "tick", "--json", user=None))["overdue"] == []
    assert outbox(tmp_path) == []
    assert as_json(ws("deadlines", "--json")) == []


def test_deadlines_lists_open_ones_with_time_overdue(ws: Run) -> None:
    pid = new_account(ws, "visited")
    [row] = as_json(ws("deadlines", "--json"))
    assert row["account"]["id"] == pid and row["lead"] == "mia" and row["visit"] == 1
    assert row["overdue"] is True and row["seconds_left"] < 0
    assert row["overdue_recorded_at"] is None
    [again] = as_json(ws("deadlines", "--overdue", "--json"))
    assert {**again, "seconds_left": 0} == {**row, "seconds_left": 0}  # a second may pass
    text = ws("deadlines").stdout
    assert "Acme" in text and "overdue" in text and "2026-03-13 00:00" in text


def test_deadlines_shows_time_left_for_a_recent_visit(ws: Run) -> None:
    pid = new_account(ws, "prepared")
    ws(*VISIT(pid, at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")), user="mia")
    [row] = as_json(ws("deadlines", "--json"))
    assert not row["overdue"] and 6 * 86400 < row["seconds_left"] <= 7 * 86400
    assert as_json(ws("deadlines", "--overdue", "--json")) == []
    assert "no open follow-up deadlines overdue" in ws("deadlines", "--overdue").stdout


def test_a_late_follow_up_is_recorded_as_late(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "visited")
    ws("follow-up", pid, "--channel", "phone", "--feedback", "ok", "--at", "2026-03-15")
    history = as_json(ws("history", pid, "--json"))
    closed = history["events"][-1]
    assert closed["type"] == "FollowUpDeadlineClosed"
    assert closed["details"]["late_by_seconds"] == 2 * 86400
    overdue = next(e for e in history["events"] if e["type"] == "FollowUpOverdue")
    assert overdue["actor"] == "sam"
    ws("scheduler", "tick", user=None)
    assert [n["noticed_by"] for n in outbox(tmp_path)] == ["sam"]


def test_what_if_replays_history_under_another_window(ws: Run) -> None:
    pid = new_account(ws, "followed_up")  # visit 03-06, follow-up 03-08: two days
    in_time = as_json(ws("policy", "what-if", "--follow-up-within", "P3D", "--json"))
    assert (in_time["visits"], in_time["breaches"], in_time["breaches_as_recorded"]) == (1, 0, 0)
    tight = as_json(ws("policy", "what-if", "--follow-up-within", "P1D", "--json"))
    [row] = tight["rows"]
    assert row["account"] == {"id": pid, "name": "Acme"} and row["lead"] == "mia"
    assert row["settled_by"] == "follow_up" and row["late_by_seconds"] == 86400
    assert row["breached_as_recorded"] is False
    text = ws("policy", "what-if", "--follow-up-within", "P1D").stdout
    assert "Under P1D, 1 of 1 visits would have missed" in text and "1 d 0 h" in text


def events_in(tmp_path: Path) -> int:
    """The events in the workspace's store, whichever store it is."""
    from kaflow.bootstrap import open_app
    from kaflow.projections.log import notifications_with_topic
    from kaflow.settings import load

    app = open_app(load(tmp_path))
    try:
        return sum(1 for _ in notifications_with_topic(app.recorder))
    finally:
        app.close()


def test_what_if_writes_nothing_and_refuses_a_bad_window(ws: Run, tmp_path: Path) -> None:
    new_account(ws, "visited")  # overdue now, not yet recorded so
    before = events_in(tmp_path)
    assert as_json(ws("policy", "what-if", "--follow-up-within", "P1D", "--json"))["breaches"] == 1
    assert events_in(tmp_path) == before
    err = ws("policy", "what-if", "--follow-up-within", "soon", code=2).stderr
    assert "--follow-up-within" in err


def test_a_reminder_is_configured_in_the_workspace(ws: Run, tmp_path: Path) -> None:
    config = tmp_path / "kaflow.toml"
    config.write_text(
        config.read_text().replace('# remind_before = "P2D"', 'remind_before = "P2D"')
    )
    pid = new_account(ws, "visited")
    report = as_json(ws("scheduler", "tick", "--now", "2026-03-11T12:00", "--json", user=None))
    assert [r["account"] for r in report["reminded"]] == [pid.replace("-", "")]
    assert [n["kind"] for n in outbox(tmp_path)] == ["reminder"]


def test_a_bad_reminder_setting_is_reported(ws: Run, tmp_path: Path) -> None:
    config = tmp_path / "kaflow.toml"
    config.write_text(config.read_text().replace('# remind_before = "P2D"', 'remind_before = "x"'))
    assert "remind_before" in ws("deadlines", code=2).stderr


def test_deadlines_due_at_the_same_time_list_in_one_order_on_every_store(ws: Run) -> None:
    ids = sorted(new_account(ws, "visited") for _ in range(4))  # all visited at one time
    listed = as_json(ws("deadlines", "--json"))
    rows = listed["deadlines"] if isinstance(listed, dict) else listed
    assert [r["account"]["id"] for r in rows] == ids
