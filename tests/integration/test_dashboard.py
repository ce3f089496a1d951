"""The dashboard's counts, made in the database, agree with the funnel report and the
list of open deadlines they stand for, on every store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from kaflow.application import commands as c
from kaflow.application.account_commands import ArchiveAccount
from kaflow.application.queries import Queries
from kaflow.application.service import Kaflow
from kaflow.clock import FixedClock
from kaflow.projections.runner import Views
from tests.builders import MIA, OLGA, SAM, advance, identify


@pytest.fixture
def queries(app: Kaflow) -> Iterator[Queries]:
    plans = ["identified", "analysed", "contacted", "visited", "visited", "followed_up"]
    ids = []
    for n, upto in enumerate(plans):
        pid = identify(app, f"Board {n}")
        if upto != "identified":
            advance(app, pid, upto)
        ids.append(pid)
    app.handle(MIA, c.LoseAccount(prospect_id=ids[2], reason=c.LossReason.PRICE, analysis="a"))
    app.handle(MIA, c.ReopenAccount(prospect_id=ids[2], reason="asked again"))
    app.handle(OLGA, ArchiveAccount(prospect_id=ids[1], reason="a test account"))
    views = Views(app)
    views.catch_up()
    yield Queries(app, lambda: views)
    views.close()


def test_the_dashboard_counts_what_the_funnel_and_deadlines_say(
    queries: Queries, app: Kaflow
) -> None:
    # The funnel report reads what was recorded by now: now is after the recording.
    app.clock = FixedClock(datetime.now(UTC) + timedelta(minutes=1))
    board = queries.dashboard(MIA)
    report = queries.report(MIA, "funnel")["sections"][0]
    funnel = [dict(zip(report["columns"], row, strict=True)) for row in report["rows"]]
    keys = ("stage", "accounts", "reached", "next", "conversion")
    assert board["funnel"] == [{k: row[k] for k in keys} for row in funnel]
    assert sum(r["accounts"] for r in board["funnel"]) == 5  # six, one archived
    assert next(r for r in board["funnel"] if r["stage"] == "lost")["reached"] == 1

    visits = [datetime.fromisoformat(d["visit_at"]) for d in queries.deadlines(MIA)]
    for moment in (min(visits) + timedelta(days=1), min(visits) + timedelta(days=30)):
        app.clock = FixedClock(moment)
        board, deadlines = queries.dashboard(MIA), queries.deadlines(MIA)
        week = 7 * 86400
        assert board["overdue"] == sum(d["overdue"] for d in deadlines)
        assert board["due_this_week"] == sum(0 <= d["seconds_left"] <= week for d in deadlines)
        assert board["mine"] == [d for d in deadlines if d["lead"] == "mia"]
        assert queries.dashboard(SAM)["mine"] == []  # sam led no visit
    assert board["overdue"] == len(deadlines) >= 2 and board["due_this_week"] == 0
    app.clock = FixedClock(min(visits) + timedelta(days=1))
    assert queries.dashboard(MIA)["due_this_week"] >= 1
