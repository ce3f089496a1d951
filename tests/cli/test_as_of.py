"""Both kinds of "as of", as a user asks them: ``--as-of`` (the work as it stood then,
steps recorded later included) and ``--recorded-by`` (the record as it stood then), alone
or together, on reports, the account, its history and its development record."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from tests.cli.conftest import Run, as_json, new_account


def funnel(ws: Run, *args: str) -> dict[str, int]:
    rows = as_json(ws("report", "funnel", *args, "--json"))["sections"][0]["rows"]
    return {r["stage"]: r["accounts"] for r in rows if r["accounts"]}


def backfilled(ws: Run) -> tuple[str, str]:
    """An account whose March (identified 03-01 ... contacted 03-04) is recorded today,
    and the moment just before it was."""
    before = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    return new_account(ws, "contacted"), before


def test_a_backfilled_month_counts_in_that_month_as_the_work_stood(ws: Run) -> None:
    pid, before = backfilled(ws)
    assert funnel(ws, "--as-of", "2026-03-31") == {"contacted": 1}
    assert funnel(ws, "--as-of", "2026-03-02") == {"analysed": 1}
    assert funnel(ws, "--as-of", "2026-02-28") == {}  # not identified yet
    # As the record stood before it was entered: nothing, whatever the work's moment.
    assert funnel(ws, "--recorded-by", before) == {}
    assert funnel(ws, "--as-of", "2026-03-31", "--recorded-by", before) == {}
    report = as_json(ws("report", "funnel", "--as-of", "2026-03-31", "--json"))
    assert report["as_of"].startswith("2026-03-31T23:59:59")
    assert report["recorded_by"] is None  # everything recorded when read
    both = as_json(
        ws("report", "funnel", "--as-of", "2026-03-31", "--recorded-by", before, "--json")
    )
    assert both["recorded_by"] == before
    text = ws("report", "funnel", "--as-of", "2026-03-31", "--recorded-by", before).stdout
    assert text.startswith("funnel (as of 2026-03-31 23:59, as recorded by ")
    assert pid


def test_the_activity_of_a_backfilled_period(ws: Run) -> None:
    _, before = backfilled(ws)
    march = ["report", "activity", "--from", "2026-03-01", "--to", "2026-03-31", "--json"]

    def steps(*args: str) -> Any:
        rows = as_json(ws(*march, *args))["sections"][0]["rows"]
        return {r["person"]: r["steps"] for r in rows}["sam"]

    assert steps() == 4
    assert steps("--as-of", "2026-03-02") == 2  # identified, analysed
    assert steps("--recorded-by", before) == 0


def test_the_account_and_its_history_as_of_either_moment(ws: Run) -> None:
    pid, before = backfilled(ws)
    then = as_json(ws("prospect", "show", pid, "--as-of", "2026-03-02", "--json"))
    assert then["state"] == "analysed" and then["contacts"] == 0
    assert then["analysis"]["development_value"] and then["as_of"].startswith("2026-03-02")
    assert as_json(ws("prospect", "show", pid, "--json"))["state"] == "contacted"
    shown = ws("prospect", "show", pid, "--as-of", "2026-03-03").stdout
    assert shown.startswith("As the work stood at 2026-03-03 23:59:\nAcme")
    err = ws("prospect", "show", pid, "--as-of", "2026-02-28", code=3).stderr
    assert "had not been identified (happened by 2026-02-28 23:59" in err
    err = ws("prospect", "show", pid, "--recorded-by", before, code=3).stderr
    assert "had not been identified (recorded by" in err

    history = as_json(ws("history", pid, "--as-of", "2026-03-03", "--json"))
    assert [e["type"] for e in history["events"]] == ["Identified", "Analysed", "ApproachDecided"]
    assert history["account"]["state"] == "analysed"
    everything = as_json(ws("history", pid, "--json"))["events"]
    assert len(everything) == 4 and everything[-1]["type"] == "ContactRecorded"


def test_the_record_as_the_work_stood(ws: Run) -> None:
    pid, _ = backfilled(ws)
    then = as_json(ws("ledger", pid, "--as-of", "2026-03-03", "--json"))
    assert [e["kind"] for e in then["entries"]] == ["meeting"]
    assert then["as_of"].startswith("2026-03-03") and then["recorded_by"] is None
    now = as_json(ws("ledger", pid, "--json"))
    assert [e["kind"] for e in now["entries"]] == ["meeting", "contact"]
    assert "as_of" not in now  # the record as it stands: as before
    md = ws("ledger", pid, "--as-of", "2026-03-03", "--format", "md", "--lang", "zh").stdout
    assert md.startswith("# 大客户开发备案表 (工作截至 2026-03-03 23:59)")


def test_a_correction_made_later_is_not_in_the_work_as_it_stood(ws: Run) -> None:
    pid = new_account(ws, "visited")  # the visit is entry 5, dated 2026-03-06
    ws(
        "correct",
        pid,
        "--entry",
        "5",
        "--field",
        "points",
        "--value",
        "the real points",
        "--reason",
        "r",
    )

    def points(*args: str) -> Any:
        rows = as_json(ws("report", "visits", *args, "--json"))["sections"][0]["rows"]
        return [r["points"] for r in rows]

    assert points() == ["the real points"]
    assert points("--as-of", "2026-03-31") == ["p"]  # corrected since
    record = as_json(ws("ledger", pid, "--as-of", "2026-03-31", "--json"))
    assert record["changes"] == []


def test_moments_in_the_future_are_refused(ws: Run) -> None:
    new_account(ws)
    for option in ("--as-of", "--recorded-by"):
        err = ws("report", "funnel", option, "2999-01-01", code=2).stderr
        assert f"{option} 2999-01-01 is in the future" in err
    err = ws("report", "funnel", "--recorded-by", "yesterday-ish", code=2).stderr
    assert "--recorded-by" in err
