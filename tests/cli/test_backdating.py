"""Backdating made visible: entries recorded long after they happened, and meetings or
visits recorded for their chair or lead, marked on the record and in conformance; an
optional limit on how far back a step may be dated; nothing dated before 2000."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.cli.conftest import VISIT, Run, as_json

# The steps recorded "within days" happened yesterday: the record is read today, with the
# system's clock, and P3D after a fixed date passes.
RECENT = (date.today() - timedelta(days=1)).isoformat()


def ago(days: int) -> str:
    """A date this many days before today: a case that compares a step's date with the
    day it is recorded on must move with the calendar (a fixed date ages out of a window)."""
    return (date.today() - timedelta(days=days)).isoformat()


RULES_BEFORE = ["account", "name", "rule", "status", "evidence"]


def policies(tmp_path: Path, *lines: str) -> None:
    """Settings added to kaflow.toml's [policies] table."""
    config = tmp_path / "kaflow.toml"
    text = config.read_text()
    config.write_text(text.replace("[policies]\n", "[policies]\n" + "".join(lines), 1))


def add(ws: Run, at: str, user: str = "sam", code: int = 0) -> str:
    args = ["prospect", "add", "Acme", "--category", "potential", "--nature", "distributor"]
    args.append("--allow-duplicate")  # every account here is called Acme
    return str(ws(*args, "--at", at, user=user, code=code).output.strip())


def to_visit(ws: Run) -> str:
    """An account whose meeting (chaired by mia) sam recorded four weeks late; its other
    steps recorded within days, the visit by mia who led it."""
    pid = add(ws, ago(30))
    ws("analyse", pid, "--file", "analysis.json", "--at", ago(29))
    ws("approach", pid, "--method", "visit", "--chair", "mia", "--notes", "go", "--at",
       ago(28))  # fmt: skip
    ws("contact", pid, "--channel", "phone", "--person", "Wang", "--attitude", "positive",
       "--notes", "keen", "--at", RECENT)  # fmt: skip
    ws("conference", pid, "--participants", "sam,mia", "--notes", "plan", "--at", RECENT)
    ws("prepare", pid, "--customer-data", "d", "--analysis", "a", "--sales-materials", "m",
       "--at", RECENT)  # fmt: skip
    ws(*VISIT(pid, at=f"{RECENT}T15:00"), user="mia")
    return pid


def entries(ws: Run, pid: str) -> dict[str, dict[str, Any]]:
    return {e["kind"]: e for e in as_json(ws("ledger", pid, "--json"))["entries"]}


def test_the_record_marks_late_entries_and_entries_recorded_for_another(ws: Run) -> None:
    pid = to_visit(ws)
    found = entries(ws, pid)
    assert found["meeting"]["late_entry"] is True
    assert found["meeting"]["recorded_by_other"] == "sam"  # mia chaired it
    assert found["contact"]["late_entry"] is False
    assert found["contact"]["recorded_by_other"] is None
    assert found["visit"]["late_entry"] is False
    assert found["visit"]["recorded_by_other"] is None  # mia led it and recorded it
    assert as_json(ws("ledger", pid, "--json"))["late_entry_after"] == "P3D"
    zh = ws("ledger", pid, "--lang", "zh", "--format", "md").output
    assert "补录与代录" in zh and "补录日期" in zh and "代录人" in zh
    meeting = found["meeting"]  # its dates as the JSON gives them, laid out in the table
    late = f"| 1 | {meeting['occurred_at'][:10]} 00:00 | {meeting['recorded_at'][:10]} "
    assert late in zh and "| sam |" in zh
    assert meeting["occurred_at"][:10] == ago(28)
    en = ws("ledger", pid).output
    assert "Entries recorded late or for another" in en and "Recorded late, on" in en


def test_a_visit_recorded_for_its_lead_is_marked_even_on_the_day(ws: Run) -> None:
    pid = to_visit(ws)
    ws("follow-up", pid, "--channel", "phone", "--feedback", "good", "--at", f"{RECENT}T16:00")
    ws("conference", pid, "--participants", "sam,mia", "--notes", "again", "--at",
       f"{RECENT}T16:30")  # fmt: skip
    ws("prepare", pid, "--customer-data", "d", "--analysis", "a", "--sales-materials", "m",
       "--at", f"{RECENT}T16:40")  # fmt: skip
    ws(*VISIT(pid, at=f"{RECENT}T17:00"))  # sam records mia's second visit
    visits = [e for e in as_json(ws("ledger", pid, "--json"))["entries"] if e["kind"] == "visit"]
    assert [(v["late_entry"], v["recorded_by_other"]) for v in visits] == [
        (False, None),
        (False, "sam"),
    ]


def test_conformance_counts_them_per_account_beside_the_rules(ws: Run) -> None:
    pid = to_visit(ws)
    report = as_json(ws("report", "conformance", "--json"))
    (section,) = report["sections"]
    assert section["columns"] == RULES_BEFORE
    status = {r["rule"]: r["status"] for r in section["rows"]}
    assert status["R4"] == status["R6"] == "met"
    assert section["recording"] == [
        {"account": pid, "name": "Acme", "late_entries": 1, "recorded_for_others": 1}
    ]
    table = ws("report", "conformance").output
    assert "entries recorded late or for another" in table and "late_entries" in table
    csv = ws("report", "conformance", "--format", "csv",
             "--section", "Entries recorded late or for another").output  # fmt: skip
    assert csv.splitlines()[1].startswith(f"{pid},Acme,1,1,")  # a table of its own
    assert "entries recorded" not in ws("report", "conformance", "--format", "csv").output


def test_the_late_entry_window_is_the_workspaces(ws: Run, tmp_path: Path) -> None:
    policies(tmp_path, 'late_entry_after = "P30D"\n')
    pid = to_visit(ws)
    assert entries(ws, pid)["meeting"]["late_entry"] is False
    (note,) = as_json(ws("report", "conformance", "--json"))["sections"][0]["recording"]
    assert (note["late_entries"], note["recorded_for_others"]) == (0, 1)


def test_a_late_entry_window_that_is_no_duration_is_bad_input(ws: Run, tmp_path: Path) -> None:
    policies(tmp_path, 'late_entry_after = "soon"\n')
    result = ws("prospect", "list", code=2)
    assert "late_entry_after" in result.output


def test_max_backdate_refuses_older_dating_unless_a_manager_records(
    ws: Run, tmp_path: Path
) -> None:
    policies(tmp_path, 'max_backdate = "P30D"\n')
    refused = add(ws, ago(50), code=1)
    assert "backdating" in refused and "max backdate (P30D)" in refused
    assert as_json(ws("prospect", "list", "--json")) == []
    pid = add(ws, ago(50), user="mia")  # a manager may backdate
    add(ws, ago(24))  # within the limit
    step = ["contact", pid, "--channel", "phone", "--person", "W", "--attitude", "neutral",
            "--notes", "n"]  # fmt: skip
    ws("analyse", pid, "--file", "analysis.json", "--at", ago(49), code=1)
    ws("analyse", pid, "--file", "analysis.json", "--at", ago(49), user="mia")
    ws("approach", pid, "--method", "visit", "--chair", "mia", "--notes", "go", "--at",
       ago(14))  # fmt: skip
    assert "backdating" in ws(*step, "--at", ago(40), code=1).output
    ws(*step, "--at", ago(13))


def test_without_max_backdate_anyone_may_date_a_step_far_back(ws: Run) -> None:
    add(ws, "2026-01-15")


def test_nothing_is_dated_before_2000(ws: Run) -> None:
    assert "2000-01-01" in add(ws, "1999-12-31", code=2)
    pid = add(ws, "2000-01-01")
    result = ws("analyse", pid, "--file", "analysis.json", "--at", "1999-06-01", code=2)
    assert "2000-01-01" in result.output
