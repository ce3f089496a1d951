"""One due time and one "missed" across a change of summer time (R11): the deadline,
the what-if replay, the reports and conformance agree that a week after a visit at
10:00 is 10:00 on the workspace's wall clock, and that only after it is late."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import VISIT, Run, as_json

VISIT_AT = "2026-10-20T10:00"  # CEST, +02:00
DUE = "2026-10-27T10:00:00+01:00"  # a week later on the wall clock: CET, after 10-25


@pytest.fixture
def berlin(ws: Run, tmp_path: Path) -> Run:
    config = tmp_path / "kaflow.toml"
    text = config.read_text()
    assert 'timezone = "UTC"' in text
    config.write_text(text.replace('timezone = "UTC"', 'timezone = "Europe/Berlin"'))
    return ws


def visited(run: Run) -> str:
    """An account visited at 10:00 on 2026-10-20, Berlin time, led by mia."""
    pid = run(
        "prospect", "add", "Acme", "--category", "potential", "--nature", "distributor",
        "--at", "2026-10-01",
    ).stdout.strip()  # fmt: skip
    run("analyse", pid, "--file", "analysis.json", "--at", "2026-10-02")
    run("approach", pid, "--method", "visit", "--chair", "mia", "--notes", "go",
        "--at", "2026-10-03")  # fmt: skip
    run("contact", pid, "--channel", "phone", "--person", "Wang", "--attitude", "positive",
        "--notes", "keen", "--at", "2026-10-04")  # fmt: skip
    run("conference", pid, "--participants", "sam,mia", "--notes", "plan", "--at", "2026-10-05")
    run("prepare", pid, "--customer-data", "d", "--analysis", "a", "--sales-materials", "m",
        "--at", "2026-10-06")  # fmt: skip
    run(*VISIT(pid, at=VISIT_AT))
    return pid


def follow_up(run: Run, pid: str, at: str) -> None:
    run("follow-up", pid, "--channel", "phone", "--feedback", "good", "--at", at)


def what_if(run: Run) -> dict[str, object]:
    result: dict[str, object] = as_json(
        run("policy", "what-if", "--follow-up-within", "P7D", "--json")
    )
    return result


def r11(run: Run) -> list[object]:
    report = as_json(run("report", "conformance", "--json"))
    return [row["status"] for row in report["sections"][0]["rows"] if row["rule"] == "R11"]


def test_a_follow_up_before_the_wall_clock_due_time_is_no_breach(berlin: Run) -> None:
    pid = visited(berlin)
    [deadline] = as_json(berlin("deadlines", "--json"))
    assert deadline["due_at"] == DUE
    follow_up(berlin, pid, "2026-10-27T09:30")  # 168.5 hours after the visit, yet in time
    data = what_if(berlin)
    assert (data["visits"], data["breaches"], data["breaches_as_recorded"]) == (1, 0, 0)
    assert r11(berlin) == ["met"]
    overdue = as_json(berlin("report", "overdue", "--json"))
    assert [s["rows"] for s in overdue["sections"]] == [[], []]


def test_a_follow_up_after_it_is_a_breach_everywhere(berlin: Run) -> None:
    pid = visited(berlin)
    follow_up(berlin, pid, "2026-10-27T10:30")
    data = what_if(berlin)
    assert (data["visits"], data["breaches"], data["breaches_as_recorded"]) == (1, 1, 1)
    [row] = data["rows"]  # type: ignore[misc]
    assert row["due_at"] == DUE and row["late_by_seconds"] == 1800
    assert row["breached_as_recorded"] is True
    assert r11(berlin) == ["breached"]
