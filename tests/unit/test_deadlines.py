"""R11 in time: the follow-up deadline at its boundaries, with an injected clock.

No I/O: the memory store, its views in an in-memory database, notices kept in a list.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from kaflow.application import commands as c
from kaflow.application.service import Kaflow
from kaflow.policies.follow_up_within import FollowUpPolicy
from kaflow.projections.runner import Views
from kaflow.scheduling.notify import Notice, Pending
from kaflow.scheduling.tick import tick
from tests.builders import MIA, SAM, advance, at, identify, make_app, staff, visit_cmd

VISIT = at(5)  # when advance() visits
DUE = VISIT + timedelta(days=7)
SECOND = timedelta(seconds=1)


class Inbox:
    """A notifier that keeps what it is given."""

    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def deliver(self, pending: Pending) -> int:
        after = self.notices[-1]["position"] if self.notices else 0
        new = list(pending(after))
        self.notices.extend(new)
        return len(new)


class World:
    def __init__(self, policy: FollowUpPolicy | None = None) -> None:
        self.app = make_app("memory")
        if policy is not None:
            self.app.policy = policy
        staff(self.app)
        self.views = Views(self.app)
        self.inbox = Inbox()

    def visited(self) -> UUID:
        pid = identify(self.app)
        advance(self.app, pid, "visited")
        return pid

    def tick(self, now: datetime) -> dict[str, Any]:
        return tick(self.app, self.views, self.inbox, now).as_dict()

    def kinds(self, pid: UUID) -> list[str]:
        return [type(e).__name__ for e in self.app.events.get(pid)]

    def event(self, pid: UUID, kind: str) -> Any:
        return next(e for e in self.app.events.get(pid) if type(e).__name__ == kind)

    def follow_up(self, pid: UUID, when: datetime) -> None:
        self.app.handle(
            SAM,
            c.RecordFollowUp(
                prospect_id=pid,
                channel=c.FollowUpChannel.PHONE,
                feedback="fine",
                occurred_at=when,
            ),
        )


@pytest.fixture
def world() -> World:
    return World()


def test_a_visit_opens_a_deadline_counted_from_when_it_took_place(world: World) -> None:
    pid = world.visited()  # recorded on day 30, took place on day 5
    opened = world.event(pid, "FollowUpDeadlineOpened")
    assert (opened.visit_at, opened.due_at, opened.lead) == (VISIT, DUE, "mia")
    assert opened.policy == {"follow_up_within": "P7D", "remind_before": None}


def test_exactly_seven_days_is_in_time(world: World) -> None:
    pid = world.visited()
    assert world.tick(DUE)["overdue"] == []
    world.follow_up(pid, DUE)
    closed = world.event(pid, "FollowUpDeadlineClosed")
    assert (closed.how, closed.late_by_seconds) == ("follow_up", 0)
    assert world.tick(DUE + timedelta(days=30))["overdue"] == []
    assert "FollowUpOverdue" not in world.kinds(pid)


def test_one_second_late_is_overdue_and_escalated(world: World) -> None:
    pid = world.visited()
    report = world.tick(DUE + SECOND)
    assert [o["account"] for o in report["overdue"]] == [pid.hex]
    overdue = world.event(pid, "FollowUpOverdue")
    assert (overdue.due_at, overdue.noticed_at, overdue.by) == (DUE, DUE + SECOND, "scheduler")
    # The lead, a manager, and the director above her.
    assert overdue.notified == ["mia", "sam", "dan"]  # the lead, the owner, above the lead
    [notice] = world.inbox.notices
    assert notice["kind"] == "overdue" and notice["to"] == ["mia", "sam", "dan"]
    assert "1 s overdue" in notice["text"] and notice["account"]["name"] == "Acme"


def test_each_missed_deadline_is_recorded_and_delivered_once(world: World) -> None:
    pid = world.visited()
    for hours in (1, 2, 48):
        world.tick(DUE + timedelta(hours=hours))
    assert world.kinds(pid).count("FollowUpOverdue") == 1
    assert len(world.inbox.notices) == 1


def test_a_follow_up_after_the_deadline_is_accepted_as_late(world: World) -> None:
    pid = world.visited()
    world.follow_up(pid, DUE + timedelta(days=2))  # nobody ran the scheduler meanwhile
    kinds = world.kinds(pid)
    # The miss is recorded before the follow-up that came too late, by the one who found it.
    assert kinds[-3:] == ["FollowUpOverdue", "FollowUpRecorded", "FollowUpDeadlineClosed"]
    assert world.event(pid, "FollowUpOverdue").by == "sam"
    assert world.event(pid, "FollowUpDeadlineClosed").late_by_seconds == 2 * 86400
    report = world.tick(at(30))
    assert report["overdue"] == [] and report["delivered"] == 1  # told once all the same


def test_a_follow_up_in_time_but_recorded_late_is_in_time(world: World) -> None:
    pid = world.visited()
    world.follow_up(pid, DUE - timedelta(hours=1))  # recorded on day 30
    assert world.event(pid, "FollowUpDeadlineClosed").late_by_seconds == 0
    assert world.tick(at(30))["overdue"] == []


def test_a_visit_backdated_past_its_own_deadline_is_overdue_at_the_next_look(
    world: World,
) -> None:
    pid = world.visited()  # day 5, recorded on day 30: due on day 12 already
    assert "FollowUpOverdue" not in world.kinds(pid)  # its follow-up may be recorded next
    assert [o["account"] for o in world.tick(at(30))["overdue"]] == [pid.hex]


def test_a_reminder_before_the_deadline_then_the_overdue() -> None:
    world = World(FollowUpPolicy(remind_before=timedelta(days=2), written=("P7D", "P2D")))
    pid = world.visited()
    assert world.tick(DUE - timedelta(days=3))["reminded"] == []
    assert len(world.tick(DUE - timedelta(days=2))["reminded"]) == 1
    assert world.tick(DUE - timedelta(days=1))["reminded"] == []  # once
    assert len(world.tick(DUE + SECOND)["overdue"]) == 1
    assert [n["kind"] for n in world.inbox.notices] == ["reminder", "overdue"]
    assert world.inbox.notices[0]["to"] == ["mia", "sam"]  # the lead and the owner
    assert world.kinds(pid).count("FollowUpReminded") == 1


def test_reminder_and_overdue_due_in_one_tick_give_only_the_overdue() -> None:
    world = World(FollowUpPolicy(remind_before=timedelta(days=2), written=("P7D", "P2D")))
    pid = world.visited()
    report = world.tick(DUE + timedelta(hours=1))
    assert report["reminded"] == [] and len(report["overdue"]) == 1
    assert "FollowUpReminded" not in world.kinds(pid)


def test_a_new_visit_settles_the_open_deadline_and_opens_its_own(world: World) -> None:
    pid = world.visited()
    again = VISIT + timedelta(days=3)
    for cmd in (
        c.HoldConference(prospect_id=pid, participants=["mia"], notes="n", occurred_at=again),
        c.PrepareMaterial(prospect_id=pid, customer_data="d", analysis="a",
                          sales_materials="m", occurred_at=again),
        visit_cmd(pid, when=again),
    ):  # fmt: skip
        world.app.handle(SAM, cmd)
    closed = world.event(pid, "FollowUpDeadlineClosed")
    assert (closed.deadline, closed.how, closed.late_by_seconds) == (1, "visit", 0)
    assert world.app.get_prospect(pid).deadline["due_at"] == again + timedelta(days=7)  # type: ignore[index]
    report = world.tick(DUE + SECOND)  # the first deadline's time: settled
    assert report["overdue"] == []
    assert [o["deadline"] for o in world.tick(again + timedelta(days=7, seconds=1))["overdue"]] == [
        2
    ]


def test_losing_the_account_cancels_the_deadline(world: World) -> None:
    pid = world.visited()
    world.app.handle(
        MIA,
        c.LoseAccount(prospect_id=pid, reason=c.LossReason.PRICE,
                      analysis="too dear", occurred_at=VISIT + timedelta(days=1)),
    )  # fmt: skip
    assert world.event(pid, "FollowUpDeadlineClosed").how == "lost"
    assert world.tick(at(30))["overdue"] == []


def test_the_window_in_force_at_the_visit_stays_with_its_deadline(world: World) -> None:
    pid = world.visited()
    world.app.policy = FollowUpPolicy(within=timedelta(days=3), written=("P3D", None))
    assert world.tick(VISIT + timedelta(days=4))["overdue"] == []  # it was opened under P7D
    assert world.app.get_prospect(pid).deadline["due_at"] == DUE  # type: ignore[index]


def test_escalation_goes_above_the_lead(world: World) -> None:
    app: Kaflow = world.app
    pid = identify(app)
    advance(app, pid, "prepared")
    app.handle(SAM, visit_cmd(pid, lead="dan"))  # a director leads: the owner is told
    world.tick(at(31))  # olga is owner from the store's creation, day 30
    assert world.event(pid, "FollowUpOverdue").notified == ["dan", "sam", "olga"]


def test_a_week_is_seven_calendar_days_across_a_change_of_summer_time() -> None:
    from datetime import timezone
    from zoneinfo import ZoneInfo

    new_york = ZoneInfo("America/New_York")
    visit = datetime(2026, 10, 30, 10, 0, tzinfo=timezone(timedelta(hours=-4)))
    deadline = FollowUpPolicy(remind_before=timedelta(hours=36)).deadline(visit, new_york)
    due = deadline["due_at"]
    assert (due.hour, due.utcoffset()) == (10, timedelta(hours=-5))  # 10:00 EST, a week on
    assert due - visit == timedelta(days=7, hours=1)
    assert due - deadline["remind_at"] == timedelta(hours=36)  # hours are elapsed time
