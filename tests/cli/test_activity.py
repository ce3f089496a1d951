"""The account's owner told of its deadlines, and the activity report by person."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.cli.conftest import VISIT, Run, as_json, new_account

# new_account visits on 2026-03-06 (midnight, UTC), led by mia: due 2026-03-13T00:00.
AFTER = "2026-03-13T00:00:01"
ZERO = {"steps": 0, "visits_led": 0, "follow_ups_in_time": 0, "follow_ups_late": 0}


def outbox(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "outbox.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def tick(ws: Run, now: str) -> Any:
    return as_json(ws("scheduler", "tick", "--now", now, "--allow-future", "--json", user=None))


def activity(ws: Run, *args: str) -> dict[str, dict[str, Any]]:
    data = as_json(ws("report", "activity", *args, "--json"))
    [section] = data["sections"]
    return {row.pop("person"): row for row in section["rows"]}


# -- the owner told --------------------------------------------------------------------


def test_the_owner_is_told_of_a_missed_follow_up_with_the_lead(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "visited")  # owned by sam, who added it; the visit led by mia
    assert [o["account"] for o in tick(ws, AFTER)["overdue"]] == [pid.replace("-", "")]
    [notice] = outbox(tmp_path)
    # The lead, then the owner, then those above the lead (a manager: nobody, as olga
    # became the process owner only when the workspace was made, after the miss).
    assert notice["kind"] == "overdue" and notice["to"] == ["mia", "sam"]
    assert "Escalated to mia, sam." in notice["text"]
    history = as_json(ws("history", pid, "--json"))
    [overdue] = [e for e in history["events"] if e["type"] == "FollowUpOverdue"]
    assert overdue["details"]["notified"] == ["mia", "sam"]


def test_an_owner_who_led_the_visit_is_told_once(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "identified")
    ws("prospect", "assign", pid, "--to", "mia", "--reason", "hers", user="olga")
    new_account_steps_to_visit(ws, pid)
    tick(ws, AFTER)
    [notice] = outbox(tmp_path)
    assert notice["to"] == ["mia"]


def new_account_steps_to_visit(ws: Run, pid: str) -> None:
    ws("analyse", pid, "--file", "analysis.json", "--at", "2026-03-02")
    ws(
        "approach",
        pid,
        "--method",
        "visit",
        "--chair",
        "mia",
        "--notes",
        "go",
        "--at",
        "2026-03-03",
    )
    ws("contact", pid, "--channel", "phone", "--person", "Wang", "--attitude", "positive",
       "--notes", "keen", "--at", "2026-03-04")  # fmt: skip
    ws("conference", pid, "--participants", "sam,mia", "--notes", "plan", "--at", "2026-03-05")
    ws("prepare", pid, "--customer-data", "d", "--analysis", "a", "--sales-materials", "m",
       "--at", "2026-03-05")  # fmt: skip
    ws("visit", pid, "--lead", "mia", "--place", "HQ", "--manner", "face-to-face", "--points",
       "p", "--views", "v", "--next-steps", "n", "--at", "2026-03-06")  # fmt: skip


def test_the_owner_is_told_of_a_reminder_and_a_late_step_too(ws: Run, tmp_path: Path) -> None:
    config = tmp_path / "kaflow.toml"
    config.write_text(
        config.read_text().replace('# remind_before = "P2D"', 'remind_before = "P2D"')
    )
    pid = new_account(ws, "visited")
    assert len(tick(ws, "2026-03-11T12:00")["reminded"]) == 1
    ws("follow-up", pid, "--channel", "phone", "--feedback", "ok", "--at", "2026-03-15")
    tick(ws, "2026-03-16")
    reminder, late = outbox(tmp_path)
    assert reminder["kind"] == "reminder" and reminder["to"] == ["mia", "sam"]
    # Found by the late step, recorded now: olga is the process owner by then.
    assert late["kind"] == "overdue" and late["to"] == ["mia", "sam", "olga"]


def test_the_owner_told_is_the_owner_at_the_time(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "visited")
    ws("prospect", "assign", pid, "--to", "olga", "--reason", "key", user="mia")
    tick(ws, AFTER)
    assert outbox(tmp_path)[0]["to"] == ["mia", "olga"]


# -- the activity report ------------------------------------------------------------------


def test_activity_counts_each_persons_steps_visits_follow_ups_and_accounts(ws: Run) -> None:
    new_account(ws, "followed_up")  # eight steps by sam, the visit led by mia
    rows = activity(ws)
    assert list(rows) == ["mia", "olga", "sam"]  # everyone in the directory, by name
    assert rows["sam"] == {**ZERO, "steps": 8, "follow_ups_in_time": 1, "accounts": 1}
    assert rows["mia"] == {**ZERO, "visits_led": 1, "accounts": 0}
    assert rows["olga"] == {**ZERO, "accounts": 0}


def test_a_follow_up_that_settled_its_deadline_late_counts_late(ws: Run) -> None:
    pid = new_account(ws, "visited")
    ws("follow-up", pid, "--channel", "phone", "--feedback", "ok", "--at", "2026-03-15")
    ws("conference", pid, "--participants", "sam,mia", "--notes", "again", "--at", "2026-03-16")
    ws("prepare", pid, "--customer-data", "d", "--analysis", "a", "--sales-materials", "m",
       "--at", "2026-03-16")  # fmt: skip
    ws(*VISIT(pid, at="2026-03-16"))
    ws("follow-up", pid, "--channel", "phone", "--feedback", "x", "--at", "2026-03-17", user="mia")
    rows = activity(ws)
    assert rows["sam"] == {**ZERO, "steps": 11, "follow_ups_late": 1, "accounts": 1}
    assert rows["mia"] == {
        **ZERO,
        "steps": 1,
        "visits_led": 2,
        "follow_ups_in_time": 1,
        "accounts": 0,
    }


def test_a_follow_up_at_the_due_time_itself_is_in_time(ws: Run) -> None:
    pid = new_account(ws, "visited")
    ws("follow-up", pid, "--channel", "phone", "--feedback", "ok", "--at", "2026-03-13T00:00")
    assert activity(ws)["sam"]["follow_ups_in_time"] == 1


def test_activity_in_a_period_by_when_steps_happened(ws: Run) -> None:
    new_account(ws, "followed_up")  # steps on 03-01 ... 03-06, the follow-up on 03-08
    day = activity(ws, "--from", "2026-03-06", "--to", "2026-03-06")
    assert day["sam"] == {**ZERO, "steps": 1, "accounts": 1}  # the visit only
    assert day["mia"]["visits_led"] == 1
    later = activity(ws, "--from", "2026-03-07")
    assert later["sam"] == {**ZERO, "steps": 1, "follow_ups_in_time": 1, "accounts": 1}
    assert later["mia"]["visits_led"] == 0
    err = ws("report", "activity", "--from", "2026-03-08", "--to", "2026-03-01", code=2).stderr
    assert "--from is after --to" in err


def test_activity_as_the_record_stood(ws: Run) -> None:
    new_account(ws, "contacted")  # four steps by sam
    before = datetime.now(UTC).isoformat()
    new_account(ws, "identified")
    assert activity(ws, "--recorded-by", before)["sam"] == {**ZERO, "steps": 4, "accounts": 1}
    assert activity(ws)["sam"] == {**ZERO, "steps": 5, "accounts": 2}


def test_activity_on_the_accounts_someone_owns(ws: Run) -> None:
    new_account(ws, "visited")  # sam's
    theirs = new_account(ws, "identified")
    ws("prospect", "assign", theirs, "--to", "mia", "--reason", "r", user="olga")
    mine = activity(ws, "--owner", "sam")
    assert mine["sam"] == {**ZERO, "steps": 7, "accounts": 1}
    assert mine["mia"] == {**ZERO, "visits_led": 1, "accounts": 0}
    hers = activity(ws, "--owner", "mia")
    assert hers["sam"] == {**ZERO, "steps": 1, "accounts": 0}  # identified it
    assert hers["mia"] == {**ZERO, "accounts": 1}


def test_archived_accounts_are_left_out_unless_asked(ws: Run) -> None:
    new_account(ws, "identified")
    gone = new_account(ws, "identified")
    ws("prospect", "archive", gone, "--reason", "test account", user="olga")
    assert activity(ws)["sam"] == {**ZERO, "steps": 1, "accounts": 1}
    assert activity(ws, "--include-archived")["sam"] == {**ZERO, "steps": 2, "accounts": 2}


def test_activity_as_a_table_csv_and_markdown(ws: Run, tmp_path: Path) -> None:
    new_account(ws, "followed_up")
    text = ws("report", "activity").stdout
    assert "activity by person" in text and "follow_ups_late" in text and "sam" in text
    ws("report", "activity", "--format", "csv", "--output", "a.csv")
    lines = (tmp_path / "a.csv").read_text(encoding="utf-8-sig").splitlines()
    assert (
        "person,steps,visits_led,follow_ups_in_time,follow_ups_late,accounts,log_position,log_chain"
        in lines
    )
    assert any(line.startswith("sam,8,0,1,0,1,") for line in lines)
    assert "| sam |" in ws("report", "activity", "--format", "md").stdout


def test_only_visits_are_filtered_by_lead_and_only_visits_and_activity_by_period(
    ws: Run,
) -> None:
    err = ws("report", "activity", "--lead", "mia", code=2).stderr
    assert "--lead applies to the visits report only" in err
    err = ws("report", "funnel", "--from", "2026-03-01", code=2).stderr
    assert "--from and --to apply to the visits and activity reports only" in err
    assert "activity" in ws("report", "--help").stdout
