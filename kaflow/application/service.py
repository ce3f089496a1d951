"""The application service: the one place where commands are handled.

Every command follows one recipe: load, check the actor and the rules, act, save.
A concurrent writer makes the save fail; the command is then re-loaded, re-checked
and re-applied a bounded number of times before it is refused.
"""

from __future__ import annotations

import contextlib
import dataclasses
import typing
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    IntegrityError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
)

from kaflow.aggregates.directory import DIRECTORY_ID, UserDirectory
from kaflow.aggregates.errors import AccessError
from kaflow.aggregates.prospect import Prospect
from kaflow.application import commands as c
from kaflow.clock import Clock, SystemClock, fixed_offset
from kaflow.errors import (
    BUSY,
    BadInputError,
    ConflictError,
    NotFoundError,
    RuleViolationError,
    WorkspaceError,
    first_line,
)
from kaflow.policies import guards, prospect_classified
from kaflow.policies.follow_up_within import FollowUpPolicy, escalation
from kaflow.storage.url import may_write

SNAPSHOT_EVERY = 20
# Loaded aggregates are kept and fast-forwarded with newer events from the store, so a
# long-lived process (a scheduler, a service) reads only what changed since.
CACHE_SIZE = "1000"
RETRIES = 5
# The steps that settle an open follow-up deadline (R11): the follow-up, another visit
# (a follow-up by visit), and the loss of the account.
SETTLES_DEADLINE = frozenset({"follow_up", "visit", "lose"})
SCHEDULER = "scheduler"  # who noticed a missed deadline when no user's step did

Act = Callable[[Prospect, Any, dict[str, Any]], None]


def _analyse(prospect: Prospect, cmd: Any, meta: dict[str, Any]) -> None:
    from kaflow.application.analysis import development_value

    analysis = cmd.analysis
    prospect.analyse(analysis.model_dump(mode="json"), development_value(analysis.forecast), **meta)


# What each step does to the account, once the rules allow it; ``meta`` holds who, in
# what role, and when it happened.
ACTIONS: dict[str, Act] = {
    "analyse": _analyse,
    "approach": lambda p, x, m: p.decide_approach(x.method.value, x.chair, x.notes, **m),
    "contact": lambda p, x, m: p.record_contact(
        x.channel.value, x.person, x.attitude.value, x.notes, **m
    ),
    "conference": lambda p, x, m: p.hold_conference(list(x.participants), x.notes, **m),
    "prepare": lambda p, x, m: p.prepare_material(
        x.customer_data, x.analysis, x.sales_materials, **m
    ),
    "visit": lambda p, x, m: p.record_visit(x.record(), **m),  # m holds its deadline
    "follow_up": lambda p, x, m: p.record_follow_up(x.channel.value, x.feedback, **m),
    "win": lambda p, x, m: p.win(x.classification, x.summary, **m),
    "lose": lambda p, x, m: p.lose(x.reason.value, x.analysis, **m),
    "reopen": lambda p, x, m: p.reopen(x.reason, **m),
    # The record's own commands, outside the lifecycle.
    "review": lambda p, x, m: p.review(x.remarks, **m),
    "correct": lambda p, x, m: p.correct(
        x.entry, m.pop("field"), m.pop("old"), x.value, x.reason, **m
    ),
}
RECORD_KEEPING = frozenset({"review", "correct"})


def _visit_inputs(app: Kaflow, cmd: Any, at: datetime) -> dict[str, Any]:
    """The follow-up deadline (R11) the visit opens, under the policy in force. A visit
    recorded after its own deadline passed is noticed by the scheduler's next look,
    unless a follow-up in time is recorded first."""
    return {"deadline": app.policy.deadline(at, app.zone)}


def _correction_inputs(app: Kaflow, cmd: Any, at: datetime) -> dict[str, Any]:
    """The field corrected and what it said, from the record's entries."""
    from kaflow.application.correction import correction

    return correction(app.events.get(cmd.prospect_id), cmd)


# What a step needs besides its command, worked out from the store and the policy.
INPUTS: dict[str, Callable[[Kaflow, Any, datetime], dict[str, Any]]] = {
    "visit": _visit_inputs,
    "correct": _correction_inputs,
}


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply events in order: the library's ``project_aggregate`` without its per-event
    runtime-protocol ``isinstance`` assertion, which costs more than the event itself."""
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class Kaflow(Application[UUID]):
    name = "kaflow"
    env = {"AGGREGATE_CACHE_MAXSIZE": CACHE_SIZE}  # noqa: RUF012
    snapshotting_intervals = {Prospect: SNAPSHOT_EVERY, UserDirectory: SNAPSHOT_EVERY}  # noqa: RUF012
    snapshotting_projectors = {Prospect: replay, UserDirectory: replay}  # noqa: RUF012

    def __init__(
        self,
        env: dict[str, str] | None = None,
        clock: Clock | None = None,
        zone: tzinfo = UTC,
        policy: FollowUpPolicy | None = None,
    ) -> None:
        super().__init__(env)
        self.clock: Clock = clock or SystemClock()
        self.zone = zone  # the workspace's: times default to it, so messages read locally
        self.policy = policy or FollowUpPolicy()
        self._directory: UserDirectory | None = None

    def now(self) -> datetime:
        return fixed_offset(self.clock.now().astimezone(self.zone))

    # -- users --------------------------------------------------------------------

    def create_directory(self, owner: str) -> None:
        try:
            self.repository.get(DIRECTORY_ID)
        except AggregateNotFoundError:
            if self._save(UserDirectory(owner=owner, effective_from=self.now())):
                return
        raise WorkspaceError("this store has users already; it belongs to another workspace")

    def directory(self) -> UserDirectory:
        """The directory, brought up to date with the store; shared, so read it only.

        Every command reads it, and it rarely changes: the shared copy is fast-forwarded
        with any newer events instead of being copied and replayed each time.
        """
        if self._directory is None:
            self._directory = self._load_directory()
        else:
            newer = self.events.get(DIRECTORY_ID, gt=self._directory.version)
            self._directory = replay(self._directory, newer)
        return self._directory

    def directory_as_recorded(self, at: datetime) -> UserDirectory:
        """The directory as it had been recorded by ``at`` (corrections made later are
        not in it), for judging the record as it stood then."""
        events = [e for e in self.events.get(DIRECTORY_ID) if e.timestamp <= at]  # type: ignore[attr-defined]
        found: Any = replay(None, events)
        if found is None:
            raise WorkspaceError("the store had no users yet at that time")
        return typing.cast(UserDirectory, found)

    def _load_directory(self) -> UserDirectory:
        """A private copy, to change."""
        try:
            found: Any = self.repository.get(DIRECTORY_ID, projector_func=replay)
        except AggregateNotFoundError:
            raise WorkspaceError("the store has no users: run 'kaflow init --owner NAME'") from None
        assert isinstance(found, UserDirectory)
        return found

    def add_user(self, cmd: c.AddUser) -> None:
        self._with_directory(cmd, UserDirectory.add_user)

    def change_role(self, cmd: c.ChangeRole) -> None:
        self._with_directory(cmd, UserDirectory.change_role)

    def _with_directory(self, cmd: c.AddUser, act: Callable[..., None]) -> None:
        for _ in range(RETRIES):
            directory = self._load_directory()
            now = self.now()
            self.actor_role(cmd.actor, directory, now)
            effective = fixed_offset(cmd.effective_from or now)
            act(directory, cmd.name, cmd.role.value, effective, cmd.actor, now)
            if self._save(directory):
                return
        raise ConflictError("the user directory kept changing under this command; retry")

    def actor_role(self, actor: str, directory: UserDirectory, now: datetime) -> str:
        role = directory.role_of(actor, now)
        if role is None:
            raise AccessError(f"access: {actor} holds no role yet on {now.date()}")
        return role

    # -- prospects ----------------------------------------------------------------

    def identify(self, cmd: c.IdentifyProspect) -> UUID:
        directory = self.directory()
        now = self.now()
        role = self.actor_role(cmd.actor, directory, now)
        found = prospect_classified.check(cmd)
        if found is not None:
            raise RuleViolationError(found)
        prospect = Prospect(
            name=cmd.name,
            category=cmd.category.value,
            nature=cmd.nature,
            product_line=cmd.product_line,
            service=cmd.service,
            actor=directory.canonical(cmd.actor),
            actor_role=role,
            occurred_at=self._dated(cmd, now),
        )
        self._save(prospect)
        return prospect.id

    def take_snapshot(
        self,
        aggregate_id: UUID,
        version: int | None = None,
        projector_func: Any = replay,
    ) -> None:
        """Snapshots only speed up loading: one that cannot be written (the store is busy,
        another process wrote the same one) must not fail a command whose events are saved."""
        with contextlib.suppress(PersistenceError):
            super().take_snapshot(aggregate_id, version, projector_func)

    def get_prospect(self, prospect_id: UUID, version: int | None = None) -> Prospect:
        try:
            found: Any = self.repository.get(prospect_id, version=version, projector_func=replay)
        except AggregateNotFoundError:
            raise NotFoundError(f"no account with id {prospect_id}") from None
        if not isinstance(found, Prospect):
            raise NotFoundError(f"no account with id {prospect_id}")
        return found

    def handle(self, cmd: c.ProspectCommand) -> None:
        """Load, check the lifecycle, the actor and the rules, act, save; retry on a
        concurrent write."""
        act = ACTIONS[cmd.trigger]
        for _ in range(RETRIES):
            now = self.now()
            prospect = self.get_prospect(cmd.prospect_id)
            directory = self.directory()
            role = self.actor_role(cmd.actor, directory, now)
            occurred_at = self._dated(cmd, now)
            if cmd.trigger not in RECORD_KEEPING:
                prospect.require(cmd.trigger, occurred_at)
            dated = dataclasses.replace(
                cmd, occurred_at=occurred_at, **_canonical_names(cmd, directory)
            )
            found = guards.violation(dated, prospect, directory)
            if found is not None:
                raise RuleViolationError(found)
            meta: dict[str, Any] = {
                "actor": dated.actor,
                "actor_role": role,
                "occurred_at": occurred_at,
            }
            if cmd.trigger in SETTLES_DEADLINE:
                # Settled after it passed: the miss is recorded (and escalated) first,
                # once, as the scheduler would have.
                self.notice_overdue(prospect, directory, occurred_at, now, by=dated.actor)
            if cmd.trigger in INPUTS:
                meta.update(INPUTS[cmd.trigger](self, cmd, occurred_at))
            act(prospect, dated, meta)
            if self._save(prospect):
                return
        raise ConflictError("the account kept changing under this command; nothing was written")

    def notice_due(self, prospect_id: UUID, number: int, now: datetime) -> str | None:
        """The scheduler's command: record what is due on the follow-up deadline
        ``number`` of an account at ``now``, "overdue" or "reminder", or None if nothing
        is (it was settled, or recorded already by another process: exactly once)."""
        for _ in range(RETRIES):
            prospect = self.get_prospect(prospect_id)
            deadline = prospect.open_deadline(number)
            if deadline is None:
                return None
            directory = self.directory()
            if self.notice_overdue(prospect, directory, now, now, by=SCHEDULER):
                kind = "overdue"
            elif prospect.remind(number, now, [deadline["lead"]]):
                kind = "reminder"
            else:
                return None
            if self._save(prospect):
                return kind
        raise ConflictError("the account kept changing under the scheduler; it will try again")

    def notice_overdue(
        self,
        prospect: Prospect,
        directory: UserDirectory,
        settled_at: datetime,
        now: datetime,
        by: str,
    ) -> bool:
        """Record that the open follow-up deadline was missed if it was by
        ``settled_at``, and whom it is escalated to; False if there is nothing to record."""
        deadline = prospect.deadline
        if deadline is None or deadline["overdue_at"] is not None:
            return False
        if settled_at <= deadline["due_at"]:
            return False
        notified = escalation(deadline["lead"], directory, now)
        return prospect.notice_overdue(deadline["deadline"], now, notified, by)

    def _dated(self, cmd: c.ProspectCommand | c.IdentifyProspect, now: datetime) -> datetime:
        """When the step happened (default now), with a fixed offset as it will be
        stored; never in the future."""
        when = fixed_offset(c.when(cmd, now))
        if when > now:
            raise BadInputError(
                f"--at {when.isoformat(timespec='minutes')} is in the future "
                f"(it is {now.isoformat(timespec='minutes')} now)"
            )
        return when

    def _save(self, *aggregates: Prospect | UserDirectory) -> bool:
        """Save; False if a concurrent writer got there first (nothing was written)."""
        pending = [(a.id, e.originator_version, e.timestamp) for a in aggregates
                   for e in a.pending_events]  # fmt: skip
        try:
            self.save(*aggregates)
        except IntegrityError:
            return False  # nothing of this save was written: snapshots come after events
        except OperationalError as e:
            text = first_line(e)
            if any(word in text for word in BUSY):
                raise ConflictError(
                    f"the store is busy ({text}); nothing was written, retry"
                ) from None
            return self._saved_after_all(pending, text)
        except ProgrammingError as e:  # refused at once, or (pipelined) as aborted above
            if "permission denied" not in str(e):
                raise
            return self._saved_after_all(pending, first_line(e))
        return True

    def _saved_after_all(self, pending: list[tuple[Any, int, datetime]], error: str) -> bool:
        """The store failed while saving (a lost connection, say): was the save written
        before it failed? Read again: never say 'nothing was written' unless so."""
        try:
            found = {
                (e.originator_id, e.originator_version): getattr(e, "timestamp", None)
                for aggregate in {i for i, _, _ in pending}
                for e in self.events.get(aggregate, gt=min(v for i, v, _ in pending) - 1)
            }
            writable = may_write(self.recorder)
        except PersistenceError:
            raise ConflictError(
                f"the store failed while saving ({error}) and cannot be read now: the step "
                "may or may not have been recorded; look at the account's history before "
                "trying again"
            ) from None
        if all(found.get((i, v)) == t for i, v, t in pending):
            return True  # written: the failure came after the commit
        if not writable:
            raise WorkspaceError(
                "this store may be read but not written by its user (no INSERT on its log); "
                "nothing was written"
            )
        lost = f"the store failed while saving ({error}); nothing was written, retry"
        raise ConflictError(lost)


def _canonical_names(cmd: c.ProspectCommand, directory: UserDirectory) -> dict[str, Any]:
    """Users named in a command, as they were added (names match regardless of case);
    an unknown name is refused here, before any rule."""
    names: dict[str, Any] = {"actor": directory.canonical(cmd.actor)}
    for field in ("lead", "chair"):
        if hasattr(cmd, field):
            names[field] = directory.canonical(getattr(cmd, field))
    if hasattr(cmd, "participants"):
        names["participants"] = list(
            dict.fromkeys(directory.canonical(p) for p in cmd.participants)
        )
    return names
