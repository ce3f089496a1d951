"""For random histories of visits, follow-ups and losses, and random times the scheduler
looks, the missed deadlines it records are exactly those the rule (R11) says were missed:
one whose follow-up came after it, or which nothing settled by the time it looked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaflow.application import commands as c
from kaflow.clock import FixedClock
from kaflow.policies.follow_up_within import FollowUpPolicy
from kaflow.projections.runner import Views
from kaflow.scheduling.tick import tick
from tests.builders import MIA, T0, advance, at, identify, make_app, staff, visit_cmd
from tests.unit.test_deadlines import Inbox

START = at(5)  # advance() prepares every account by day 4
Step = tuple[str, int]  # (what, hours after the account's previous step)

steps = st.lists(
    st.tuples(st.sampled_from(["visit", "follow_up", "lose"]), st.integers(0, 240)),
    max_size=6,
)


def apply(app: Any, pid: Any, history: list[Step]) -> list[tuple[Any, Any]]:
    """Record ``history`` on an account, skipping what the lifecycle would refuse; the
    visits and settling steps as (kind, time) in order, as the rule reads them."""
    state, when, done = "contacted", START, []
    base = {"prospect_id": pid}
    for kind, hours in history:
        when = when + timedelta(hours=hours)
        if state == "lost" or (kind == "follow_up" and state != "visited"):
            continue
        if kind == "visit":
            app.handle(
                MIA, c.HoldConference(participants=["mia"], notes="n", occurred_at=when, **base)
            )
            app.handle(MIA, c.PrepareMaterial(customer_data="d", analysis="a", sales_materials="m",
                                              occurred_at=when, **base))  # fmt: skip
            app.handle(MIA, visit_cmd(pid, when=when))
            state = "visited"
        elif kind == "follow_up":
            app.handle(MIA, c.RecordFollowUp(channel=c.FollowUpChannel.PHONE, feedback="f",
                                             occurred_at=when, **base))  # fmt: skip
            state = "followed_up"
        else:
            app.handle(MIA, c.LoseAccount(reason=c.LossReason.PRICE, analysis="a",
                                          occurred_at=when, **base))  # fmt: skip
            state = "lost"
        done.append((kind, when))
    return done


def missed(done: list[tuple[Any, Any]], within: timedelta, now: Any) -> set[int]:
    """The rule, computed directly: visit n's deadline is missed if the next step that
    settles it (a follow-up, another visit, the loss) came after it was due, or if
    nothing settled it and it was due before ``now``."""
    found = set()
    visits = [i for i, (kind, _) in enumerate(done) if kind == "visit"]
    for number, index in enumerate(visits, start=1):
        due = done[index][1] + within
        settled = done[index + 1][1] if index + 1 < len(done) else None
        if (settled is not None and settled > due) or (settled is None and now > due):
            found.add(number)
    return found


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # fmt: skip
@given(
    histories=st.lists(steps, min_size=1, max_size=3),
    within_hours=st.integers(1, 240),
    remind_hours=st.none() | st.integers(1, 100),
    looks=st.lists(st.integers(0, 2000), min_size=1, max_size=3),
)
def test_recorded_misses_are_the_rules_misses(
    histories: list[list[Step]], within_hours: int, remind_hours: int | None, looks: list[int]
) -> None:
    app = make_app("memory", clock=FixedClock(T0 + timedelta(days=400)))
    staff(app)
    within = timedelta(hours=within_hours)
    remind = None if remind_hours is None else timedelta(hours=remind_hours)
    app.policy = FollowUpPolicy(within=within, remind_before=remind, written=("PT", None))
    views, inbox = Views(app), Inbox()
    accounts = []
    for n, history in enumerate(histories):
        pid = identify(app, f"A{n}")
        advance(app, pid, "prepared")
        accounts.append((pid, apply(app, pid, history)))
    for hours in sorted(looks):
        tick(app, views, inbox, START + timedelta(hours=hours))
    now = START + timedelta(hours=max(looks))
    for pid, done in accounts:
        recorded = [e.deadline for e in app.events.get(pid)
                    if type(e).__name__ == "FollowUpOverdue"]  # fmt: skip
        assert sorted(recorded) == sorted(missed(done, within, now)), (done, recorded)
    expected = {(pid, n) for pid, done in accounts for n in missed(done, within, now)}
    delivered = [
        (n["account"]["id"], n["deadline"]) for n in inbox.notices if n["kind"] == "overdue"
    ]
    assert sorted(delivered) == sorted((str(p), n) for p, n in expected)
