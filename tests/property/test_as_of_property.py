"""Both kinds of "as of": for random backdated histories, each report read from the views
inside a cut (what had happened by t1 and been recorded by t2) equals the same report
over views folded from exactly the events that happened by t1 and were recorded by t2,
and nothing else."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaflow.aggregates.errors import DomainError
from kaflow.aggregates.moments import happened_at
from kaflow.application import commands as c
from kaflow.clock import FixedClock
from kaflow.errors import KaflowError
from kaflow.projections.dispatch import decoder
from kaflow.projections.folded import Folded
from kaflow.projections.runner import Views
from kaflow.reporting.reports import REPORTS, run
from tests.builders import MIA, T0, identify, make_app, staff
from tests.property.test_views_property import command

NOW = T0 + timedelta(days=200)  # the clock: after every step, before any recording
# The procedure in order, visits corrected and followed up in time or late; now and then
# a step out of order (refused, or a loss, a reopening, another visit).
NATURAL = [
    "analyse",
    "approach",
    "contact",
    "conference",
    "prepare",
    "visit",
    "fix_visit",
    "follow_up",
    "correct",
    "conference",
    "prepare",
    "visit",
    "follow_up",
    "review",
    "win",
    "review",
]
KINDS = ["visit", "follow_up", "fix_visit", "lose", "reopen", "review"]


def step(kind: str, pid: Any, when: datetime, n: int) -> Any:
    if kind == "fix_visit":  # the first visit's points (the visits report shows them)
        value = f"v{n}"
        return c.CorrectEntry(prospect_id=pid, entry=5, field="points", value=value, reason="r")
    return command(kind, pid, when, n)


def log(app: Any) -> list[Any]:
    """Every event of the log, in order, as domain events."""
    decode = decoder(app)
    return [decode(n) for n in app.recorder.select_notifications(start=1, limit=100_000)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 1),
            st.sampled_from([*KINDS, *["next"] * 18]),
            st.integers(0, 9 * 24),  # hours after the account's previous step
        ),
        min_size=10,
        max_size=50,
    ),
    happened=st.integers(0, 999),  # where among the moments steps happened
    recorded=st.integers(0, 999),  # where among the recordings
    before=st.booleans(),  # just before that moment, or at it
)
def test_each_report_in_a_cut_equals_a_fold_of_the_events_inside_it(
    steps: list[tuple[int, str, int]], happened: int, recorded: int, before: bool
) -> None:
    app = make_app("memory", clock=FixedClock(NOW))
    staff(app)
    # Each account keeps its own calendar: one's steps are dated after steps of another
    # recorded later, so the order steps happened in is not the order they were recorded.
    when = [T0, T0 + timedelta(days=11)]
    accounts = [identify(app, f"A{n}", when=when[n]) for n in range(2)]
    progress = [0, 0]
    for n, (which, kind, hours) in enumerate(steps):
        when[which] += timedelta(hours=hours)
        natural = kind == "next"
        if natural:
            kind = NATURAL[progress[which] % len(NATURAL)]
        with contextlib.suppress(KaflowError, DomainError):  # refused: nothing written
            app.handle(MIA, step(kind, accounts[which], when[which], n))
            progress[which] += natural
    events = log(app)
    moments = sorted(happened_at(e) for e in events)
    stamps = sorted(e.timestamp for e in events)
    t1: datetime = moments[happened % len(moments)]
    t1 -= timedelta(microseconds=before)
    t2: datetime = stamps[recorded % len(stamps)]
    inside = [e for e in events if happened_at(e) <= t1 and e.timestamp <= t2]

    views = Views(app)
    views.catch_up()
    folded = Folded(inside)
    for name in REPORTS:
        assert run(name, views, t1, t2) == run(name, folded, t1, t2), name
