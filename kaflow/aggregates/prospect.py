"""The prospect: one key account's development, from identification to won or lost.

Each public method checks the lifecycle, then calls a private ``@event`` method that
only mutates. Event bodies re-run on every replay: no I/O, no clock.
Every event carries who recorded it (``actor``, ``actor_role`` at the time) and when
the step happened (``occurred_at``); the library stamps when it was recorded.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate, event

from kaflow.aggregates import deadline as deadlines
from kaflow.aggregates.errors import (
    ArchivedError,
    DatedTooEarlyError,
    InvalidChangeError,
    LifecycleError,
)
from kaflow.aggregates.lifecycle import (
    State,
    allowed_triggers,
    lifecycle_destinations,
    next_state,
)


class Prospect(Aggregate):
    # Versions of what is stored: an event or snapshot stored without one (every store
    # written before versions were declared) reads as 1. To add a field to an event, declare that
    # event as a class here, ``class Reviewed(Event)`` with its fields, the new one among
    # them, ``class_version = 2`` and a static ``upcast_v1_v2(state)`` that puts the new
    # field's default into an older event's ``state``, and decorate its method with
    # ``@event(Reviewed)``. To add an attribute to the aggregate, bump ``class_version``
    # below and give the aggregate an ``upcast_v1_v2(state)`` for older snapshots (or a
    # class default, as ``deadline`` has). tests/golden holds stores every release loads.
    class_version = 1  # of its snapshots

    class Event(Aggregate.Event):
        class_version = 1  # of every event below that does not declare its own

    # The open follow-up deadline (R11) of the last visit, if any: a class default, so
    # that accounts snapshotted before deadlines existed load without one.
    deadline: dict[str, Any] | None = None
    # The development record (R14): its review and corrections, outside the lifecycle.
    reviewed_at: datetime | None = None
    corrections = 0
    # The responsible salesperson, and the archiving, if any: class defaults, so that
    # accounts snapshotted before owners existed load (their owner is whoever identified
    # them: the application reads it from their first event).
    owner: str | None = None
    archived: dict[str, Any] | None = None

    @event("Identified")
    def __init__(
        self,
        name: str,
        category: str,
        nature: str,
        product_line: str,
        service: str,
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        self.name = name
        self.owner = actor
        self.category = category
        self.nature = nature
        self.product_line = product_line
        self.service = service
        self.state: str = State.IDENTIFIED.value
        self.development_value: Decimal | None = None
        self.approach: dict[str, Any] | None = None
        self.contacts = 0
        self.visits = 0
        self.follow_ups = 0
        # Since the last visit: when the pre-visit conference (R7) and material (R8) were done.
        self.conference_at: datetime | None = None
        self.material_at: datetime | None = None
        self.last_visit: dict[str, Any] | None = None
        self.outcome: dict[str, Any] | None = None
        self.identified_at = occurred_at
        self.state_since = occurred_at  # when the account entered its state
        self.latest_at = occurred_at  # the latest step taken in that state

    # -- lifecycle ----------------------------------------------------------------

    def __deepcopy__(self, memo: dict[int, Any]) -> Prospect:
        """The copy the library hands out of its cache, for each command. No event changes
        an attribute in place (each replaces what it changes: tests/unit/test_copies.py),
        so a copy of the attribute table is as good as a deep copy, at a fraction of its
        cost (the largest part of what the rules cost a command)."""
        copied: Prospect = object.__new__(type(self))
        copied.__dict__.update(self.__dict__)
        copied.__dict__["_pending_events"] = list(self.__dict__.get("_pending_events", ()))
        return copied

    def require(self, trigger: str, at: datetime) -> str:
        """The state ``trigger`` leads to from here, at time ``at``; refuse it if the
        lifecycle does not allow it now, or if it is dated before the account entered
        its current state (a step happens in the state it is taken from)."""
        self.require_active(trigger)
        dest = next_state(trigger, self.state)
        if dest is None:
            raise LifecycleError(trigger, self.state, allowed_triggers(self.state))
        moves = dest != self.state or trigger == "visit"
        # A step that moves the account comes after everything done in the state it
        # leaves; a step within the state comes after the account entered it.
        floor = self.latest_at if moves else self.state_since
        if at < floor:
            raise DatedTooEarlyError(trigger, self.state, floor, at, after_last_step=moves)
        return dest

    # -- commands -----------------------------------------------------------------

    def analyse(self, analysis: dict[str, Any], development_value: Decimal, **meta: Any) -> None:
        state = self.require("analyse", meta["occurred_at"])
        self._analysed(analysis=analysis, development_value=development_value, state=state, **meta)

    def decide_approach(self, method: str, chair: str, notes: str, **meta: Any) -> None:
        self.require("approach", meta["occurred_at"])
        self._approach_decided(method=method, chair=chair, notes=notes, **meta)

    def record_contact(
        self, channel: str, person: str, attitude: str, notes: str, **meta: Any
    ) -> None:
        state = self.require("contact", meta["occurred_at"])
        self._contact_recorded(
            channel=channel, person=person, attitude=attitude, notes=notes, state=state, **meta
        )

    def hold_conference(self, participants: list[str], notes: str, **meta: Any) -> None:
        self.require("conference", meta["occurred_at"])
        self._conference_held(participants=participants, notes=notes, **meta)

    def prepare_material(
        self, customer_data: str, analysis: str, sales_materials: str, **meta: Any
    ) -> None:
        self.require("prepare", meta["occurred_at"])
        self._material_prepared(
            customer_data=customer_data, analysis=analysis, sales_materials=sales_materials, **meta
        )

    def record_visit(self, visit: dict[str, Any], deadline: dict[str, Any], **meta: Any) -> None:
        """Record the visit; it settles the open follow-up deadline (a visit is a
        follow-up, R11) and opens its own, ``deadline`` (``due_at``, ``remind_at``,
        ``policy``), computed by the application from the policy in force."""
        state = self.require("visit", meta["occurred_at"])
        self._visit_recorded(visit=visit, state=state, **meta)
        self._settle("visit", meta["occurred_at"], meta["actor"])
        self._follow_up_deadline_opened(
            deadline=self.visits,
            visit_at=meta["occurred_at"],
            lead=visit["lead"],
            due_at=deadline["due_at"],
            remind_at=deadline["remind_at"],
            policy=deadline["policy"],
        )

    def record_follow_up(self, channel: str, feedback: str, person: str = "", **meta: Any) -> None:
        state = self.require("follow_up", meta["occurred_at"])
        self._follow_up_recorded(
            channel=channel, feedback=feedback, person=person, state=state, **meta
        )
        self._settle("follow_up", meta["occurred_at"], meta["actor"])

    def win(self, classification: str, summary: str, **meta: Any) -> None:
        state = self.require("win", meta["occurred_at"])
        self._won(classification=classification, summary=summary, state=state, **meta)

    def lose(self, reason: str, analysis: str, **meta: Any) -> None:
        state = self.require("lose", meta["occurred_at"])
        self._lost(reason=reason, analysis=analysis, lost_in=self.state, state=state, **meta)
        self._settle("lost", meta["occurred_at"], meta["actor"])

    def reopen(self, reason: str, **meta: Any) -> None:
        state = self.require("reopen", meta["occurred_at"])
        if self.development_value is None:
            state = State.IDENTIFIED.value  # lost before its analysis: R2 still applies
        assert state in lifecycle_destinations("reopen", State.LOST)
        self._reopened(reason=reason, state=state, **meta)

    # -- the development record (R14) -------------------------------------------------

    def review(self, remarks: str, **meta: Any) -> None:
        """A manager's review of the record; it is not a step of the procedure, so it
        leaves the account's state and the order of its steps alone."""
        self._reviewed(remarks=remarks, **meta)

    def correct(self, entry: int, field: str, old: str, new: str, reason: str, **meta: Any) -> None:
        """Correct a field of a record entry; the event keeps what it said before."""
        self._entry_corrected(entry=entry, field=field, old=old, new=new, reason=reason, **meta)

    # -- the account itself: its owner, its classification, its archiving ---------------

    def require_active(self, trigger: str) -> None:
        """Refuse any step on an archived account; its history stays whole."""
        if self.archived is not None:
            raise ArchivedError(trigger, self.name, self.archived)

    def assign(self, owner: str, previous: str, reason: str, **meta: Any) -> None:
        """Make ``owner`` the responsible salesperson (``previous`` was, as the
        application read it: older accounts keep it only in their first event)."""
        self.require_active("assign")
        if owner == previous:
            raise InvalidChangeError(f"{owner} is the account's owner already", field="target")
        self._assigned(from_owner=previous, to_owner=owner, reason=reason, **meta)

    def edit(self, values: dict[str, str], reason: str, **meta: Any) -> None:
        """Change the account's own fields; the event keeps what they said before."""
        self.require_active("edit")
        changes = {
            name: {"old": getattr(self, name), "new": value}
            for name, value in values.items()
            if getattr(self, name) != value
        }
        if not changes:
            raise InvalidChangeError(
                "nothing to change: every field given has that value already", field="reason"
            )
        self._edited(changes=changes, reason=reason, **meta)

    def archive(self, reason: str, duplicate_of: str | None, **meta: Any) -> None:
        self.require_active("archive")
        if duplicate_of == str(self.id):
            raise InvalidChangeError(
                "an account cannot be a duplicate of itself", field="duplicate_of"
            )
        self._archived(reason=reason, duplicate_of=duplicate_of, **meta)

    def erase_personal_data(self, reason: str, person: str = "", **meta: Any) -> None:
        """Record that the account's personal data was erased (``person``: one person's
        only, by pseudonym): who, when and why, and nothing of the data."""
        self._personal_data_erased(reason=reason, person=person, **meta)

    @event("PersonalDataErased")
    def _personal_data_erased(
        self, reason: str, actor: str, actor_role: str, occurred_at: datetime, person: str = ""
    ) -> None:
        pass

    def mark_imported(self, file: str, rows: list[dict[str, Any]], **meta: Any) -> None:
        """Say which of the events before came from which row of an import file."""
        self._imported(file=file, rows=rows, **meta)

    @event("Imported")
    def _imported(
        self,
        file: str,
        rows: list[dict[str, Any]],  # {row, key, ref, first, last}: the events of each row
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        pass

    @event("AccountAssigned")
    def _assigned(
        self,
        from_owner: str,
        to_owner: str,
        reason: str,
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        self.owner = to_owner

    @event("AccountEdited")
    def _edited(
        self,
        changes: dict[str, dict[str, str]],
        reason: str,
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        for name, change in changes.items():
            setattr(self, name, change["new"])

    @event("AccountArchived")
    def _archived(
        self,
        reason: str,
        duplicate_of: str | None,
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        self.archived = {"reason": reason, "duplicate_of": duplicate_of, "at": occurred_at}

    # -- the follow-up deadline (R11) ---------------------------------------------

    def open_deadline(self, number: int) -> dict[str, Any] | None:
        """The open deadline numbered ``number`` (the visit that opened it), or None."""
        return deadlines.the_open(self.deadline, number)

    def notice_overdue(self, number: int, now: datetime, notified: list[str], by: str) -> bool:
        """Record that deadline ``number`` passed unfulfilled and who was told; False
        (nothing recorded) if it is not open, not yet due, or was noticed already."""
        if not deadlines.missed_unrecorded(self.deadline, number, now):
            return False
        due_at = self.open_deadline(number)["due_at"]  # type: ignore[index]
        self._follow_up_overdue(
            deadline=number, due_at=due_at, noticed_at=now, notified=notified, by=by
        )
        return True

    def remind(self, number: int, now: datetime, notified: list[str]) -> bool:
        """Record a reminder for deadline ``number``; False if none is due now."""
        if not deadlines.reminder_due(self.deadline, number, now):
            return False
        self._follow_up_reminded(deadline=number, noticed_at=now, notified=notified)
        return True

    def reach_rung(
        self,
        number: int,
        rung: int,
        at: str,
        rung_at: datetime,
        now: datetime,
        notified: list[str],
    ) -> bool:
        """Record that rung ``rung`` of the escalation ladder (``at`` its time as written,
        relative to the due time) was reached on deadline ``number`` and who was told;
        False if the deadline is not open, the rung is not due, or it was reached already."""
        if not deadlines.rung_due(self.deadline, number, rung, rung_at, now):
            return False
        self._follow_up_rung_reached(
            deadline=number, rung=rung, at=at, rung_at=rung_at, noticed_at=now, notified=notified
        )
        return True

    def _settle(self, how: str, at: datetime, by: str) -> None:
        if self.deadline is not None:
            self._follow_up_deadline_closed(
                deadline=self.deadline["deadline"],
                how=how,
                at=at,
                late_by_seconds=deadlines.late_by(self.deadline, at),
                by=by,
            )

    # -- events: mutate only --------------------------------------------------------

    @event("Analysed")
    def _analysed(
        self,
        analysis: dict[str, Any],
        development_value: Decimal,
        state: str,
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        # The analysis itself stays in the event (history, the development record); the
        # aggregate keeps only what decisions need.
        self.development_value = development_value
        self._enter(state, occurred_at)

    @event("ApproachDecided")
    def _approach_decided(
        self,
        method: str,
        chair: str,
        notes: str,
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        first = self.approach["first_decided_at"] if self.approach else occurred_at
        self.approach = {
            "method": method,
            "chair": chair,
            "decided_at": occurred_at,
            "first_decided_at": min(first, occurred_at),  # R4: contacts come after this
        }
        self._stepped(occurred_at)

    @event("ContactRecorded")
    def _contact_recorded(
        self,
        channel: str,
        person: str,
        attitude: str,
        notes: str,
        state: str,
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        self.contacts += 1
        self._enter(state, occurred_at)

    @event("ConferenceHeld")
    def _conference_held(
        self,
        participants: list[str],
        notes: str,
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        self.conference_at = max(self.conference_at or occurred_at, occurred_at)
        self._stepped(occurred_at)

    @event("MaterialPrepared")
    def _material_prepared(
        self,
        customer_data: str,
        analysis: str,
        sales_materials: str,
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        self.material_at = max(self.material_at or occurred_at, occurred_at)
        self._stepped(occurred_at)

    class VisitRecorded(Event):
        """Version 2: the visit record names the customer's people met (``person``)."""

        visit: dict[str, Any]
        state: str
        actor: str
        actor_role: str
        occurred_at: datetime

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["visit"] = {**state["visit"], "person": ""}

    @event(VisitRecorded)
    def _visit_recorded(
        self,
        visit: dict[str, Any],
        state: str,
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        self.visits += 1
        self.last_visit = {**visit, "occurred_at": occurred_at}
        self.conference_at = None
        self.material_at = None
        self._enter(state, occurred_at, again=True)

    class FollowUpRecorded(Event):
        """Version 2: the customer's people phoned or met (``person``)."""

        channel: str
        feedback: str
        person: str
        state: str
        actor: str
        actor_role: str
        occurred_at: datetime

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["person"] = ""

    @event(FollowUpRecorded)
    def _follow_up_recorded(
        self,
        channel: str,
        feedback: str,
        person: str,
        state: str,
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        self.follow_ups += 1
        self._enter(state, occurred_at)

    @event("Won")
    def _won(
        self,
        classification: str,
        summary: str,
        state: str,
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        self.outcome = {"result": "won", "classification": classification, "at": occurred_at}
        self._enter(state, occurred_at)

    @event("Lost")
    def _lost(
        self,
        reason: str,
        analysis: str,
        lost_in: str,
        state: str,
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        self.outcome = {"result": "lost", "reason": reason, "lost_in": lost_in, "at": occurred_at}
        self._enter(state, occurred_at)

    @event("Reopened")
    def _reopened(
        self, reason: str, state: str, actor: str, actor_role: str, occurred_at: datetime
    ) -> None:
        self.outcome = None
        # Development starts again from the analysis: a new meeting decides the approach.
        self.approach = None
        self.conference_at = None
        self.material_at = None
        self._enter(state, occurred_at)

    @event("Reviewed")
    def _reviewed(self, remarks: str, actor: str, actor_role: str, occurred_at: datetime) -> None:
        self.reviewed_at = occurred_at

    @event("EntryCorrected")
    def _entry_corrected(
        self,
        entry: int,
        field: str,
        old: str,
        new: str,
        reason: str,
        actor: str,
        actor_role: str,
        occurred_at: datetime,
    ) -> None:
        self.corrections += 1

    @event("FollowUpDeadlineOpened")
    def _follow_up_deadline_opened(
        self,
        deadline: int,
        visit_at: datetime,
        lead: str,
        due_at: datetime,
        remind_at: datetime | None,
        policy: dict[str, Any],
    ) -> None:
        self.deadline = deadlines.opened(deadline, visit_at, lead, due_at, remind_at)

    @event("FollowUpReminded")
    def _follow_up_reminded(self, deadline: int, noticed_at: datetime, notified: list[str]) -> None:
        assert self.deadline is not None
        self.deadline = {**self.deadline, "reminded_at": noticed_at}

    @event("FollowUpOverdue")
    def _follow_up_overdue(
        self, deadline: int, due_at: datetime, noticed_at: datetime, notified: list[str], by: str
    ) -> None:
        assert self.deadline is not None
        self.deadline = {**self.deadline, "overdue_at": noticed_at}

    @event("FollowUpRungReached")
    def _follow_up_rung_reached(
        self,
        deadline: int,
        rung: int,
        at: str,
        rung_at: datetime,
        noticed_at: datetime,
        notified: list[str],
    ) -> None:
        assert self.deadline is not None
        self.deadline = {**self.deadline, "rung": rung}

    @event("FollowUpDeadlineClosed")
    def _follow_up_deadline_closed(
        self, deadline: int, how: str, at: datetime, late_by_seconds: int, by: str
    ) -> None:
        self.deadline = None

    def _enter(self, state: str, at: datetime, *, again: bool = False) -> None:
        """Move to ``state``; a new state, or a visit (which starts the cycle of
        conference, material and follow-up again), restarts ``state_since``."""
        if state != self.state or again:
            self.state_since = at
            self.latest_at = at
        else:
            self._stepped(at)
        self.state = state

    def _stepped(self, at: datetime) -> None:
        self.latest_at = max(self.latest_at, at)
