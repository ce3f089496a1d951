"""What each command does to an account once the rules allow it, keyed by command class:
the aggregate's method, whether the lifecycle governs it, whether it settles an open
follow-up deadline (R11), and what it needs besides its fields."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from typing import Any

from kaflow.aggregates.prospect import Prospect
from kaflow.application import commands as c
from kaflow.application.account_commands import ArchiveAccount, AssignAccount, EditAccount
from kaflow.policies.follow_up_within import FollowUpPolicy

Act = Callable[[Prospect, Any, dict[str, Any]], None]


class Context:
    """What a step may need besides its command: the policy in force, the zone, the
    account's events, and who acts (by the directory, as added)."""

    __slots__ = ("actor", "directory", "events", "policy", "zone")

    def __init__(
        self,
        policy: FollowUpPolicy,
        zone: tzinfo,
        events: Callable[..., Iterable[Any]],
        directory: Any = None,
        actor: str = "",
    ) -> None:
        self.policy, self.zone, self.events = policy, zone, events
        self.directory, self.actor = directory, actor


Inputs = Callable[[Prospect, Any, datetime, Context], dict[str, Any]]


class Step:
    """One command's part in the recipe. (Plain classes here, not dataclasses: every
    command starts by importing this table.)"""

    __slots__ = ("act", "action", "inputs", "lifecycle", "settles_deadline")

    def __init__(
        self,
        act: Act,
        action: str = "record_step",  # the access table's name for it
        lifecycle: bool = True,  # a step of the lifecycle (the record's own are not)
        settles_deadline: bool = False,  # the follow-up, another visit, the loss (R11)
        inputs: Inputs | None = None,
    ) -> None:
        self.act, self.action, self.lifecycle = act, action, lifecycle
        self.settles_deadline, self.inputs = settles_deadline, inputs


def _deadline(prospect: Prospect, cmd: Any, at: datetime, ctx: Context) -> dict[str, Any]:
    """The follow-up deadline (R11) the visit opens, under the policy in force. A visit
    recorded after its own deadline passed is noticed by the scheduler's next look,
    unless a follow-up in time is recorded first."""
    return {"deadline": ctx.policy.deadline(at, ctx.zone)}


def _corrected(prospect: Prospect, cmd: Any, at: datetime, ctx: Context) -> dict[str, Any]:
    """The field corrected and what it said, from the record's entries; refused (R14)
    unless the entry's author, the account's owner or a manager or above corrects it."""
    from kaflow.aggregates.record import authors
    from kaflow.application.correction import correction
    from kaflow.policies.record_reviewed import check_corrector

    events = list(ctx.events(prospect.id))
    found = correction(events, cmd)
    author = authors(events)[cmd.entry - 1]
    owner = owner_of(prospect, ctx.events)
    violation = check_corrector(ctx.actor, author, owner, ctx.directory, at)
    if violation is not None:
        raise violation.error()
    return found


def _duplicate_of(prospect: Prospect, cmd: Any, at: datetime, ctx: Context) -> dict[str, Any]:
    """The account this one duplicates, which must exist."""
    other = cmd.duplicate_of
    if other is not None and next(iter(ctx.events(other)), None) is None:
        from kaflow.errors import NotFoundError

        raise NotFoundError(f"no account with id {other}", field="duplicate_of")
    return {"duplicate_of": None if other is None else str(other)}


# The analysis (R2, R3) registers its own step where its command is defined
# (kaflow.application.analysis): its models cost a short command more than all else.
STEPS: dict[type[c.ProspectCommand], Step] = {
    c.DecideApproach: Step(
        lambda p, x, m: p.decide_approach(x.method.value, x.chair, x.notes, **m)
    ),
    c.RecordContact: Step(
        lambda p, x, m: p.record_contact(x.channel.value, x.person, x.attitude.value, x.notes, **m)
    ),
    c.HoldConference: Step(lambda p, x, m: p.hold_conference(list(x.participants), x.notes, **m)),
    c.PrepareMaterial: Step(
        lambda p, x, m: p.prepare_material(x.customer_data, x.analysis, x.sales_materials, **m)
    ),
    c.RecordVisit: Step(
        lambda p, x, m: p.record_visit(x.record(), **m), settles_deadline=True, inputs=_deadline
    ),
    c.RecordFollowUp: Step(
        lambda p, x, m: p.record_follow_up(x.channel.value, x.feedback, x.person, **m),
        settles_deadline=True,
    ),
    c.WinAccount: Step(lambda p, x, m: p.win(x.classification, x.summary, **m)),
    c.LoseAccount: Step(
        lambda p, x, m: p.lose(x.reason.value, x.analysis, **m), settles_deadline=True
    ),
    c.ReopenAccount: Step(lambda p, x, m: p.reopen(x.reason, **m)),
    c.ReviewRecord: Step(
        lambda p, x, m: p.review(x.remarks, **m), action="keep_record", lifecycle=False
    ),
    c.CorrectEntry: Step(
        lambda p, x, m: p.correct(x.entry, m.pop("field"), m.pop("old"), x.value, x.reason, **m),
        action="keep_record",
        lifecycle=False,
        inputs=_corrected,
    ),
}
# The account itself: its owner, its fields, its archiving (none is a lifecycle step).
STEPS.update(
    {
        AssignAccount: Step(
            lambda p, x, m: p.assign(x.to, m.pop("previous"), x.reason, **m),
            action="assign_accounts",
            lifecycle=False,
            inputs=lambda p, x, at, ctx: {"previous": owner_of(p, ctx.events)},
        ),
        EditAccount: Step(
            lambda p, x, m: p.edit(x.values(), x.reason, **m),
            action="keep_record",
            lifecycle=False,
        ),
        ArchiveAccount: Step(
            lambda p, x, m: p.archive(x.reason, m.pop("duplicate_of"), **m),
            action="archive_accounts",
            lifecycle=False,
            inputs=_duplicate_of,
        ),
    }
)


def owner_of(prospect: Prospect, events: Callable[..., Iterable[Any]]) -> str:
    """The account's owner; one snapshotted before owners existed has it in its first
    event only (whoever identified it)."""
    if prospect.owner is not None:
        return prospect.owner
    first: Any = next(iter(events(prospect.id, lte=1)))
    return str(first.actor)


def step_of(cmd: c.ProspectCommand) -> Step:
    return STEPS[type(cmd)]


class Checked:
    """A command as the rules read it: dated, users named as added, and who acts."""

    def __init__(self, cmd: Any, actor: str) -> None:
        self._cmd, self.actor = cmd, actor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cmd, name)


def canonical_names(cmd: c.ProspectCommand, directory: Any) -> dict[str, Any]:
    """Users named in a command, as they were added (names match regardless of case);
    an unknown name is refused here, before any rule."""
    names: dict[str, Any] = {}
    for name in ("lead", "chair", "to"):
        if hasattr(cmd, name):
            names[name] = directory.canonical(getattr(cmd, name))
    if hasattr(cmd, "participants"):
        names["participants"] = list(
            dict.fromkeys(directory.canonical(p) for p in cmd.participants)
        )
    return names


def took_part(events: Any, name: str) -> bool:
    """Whether ``name`` took part in the account the ``events`` are of: recorded one of
    its steps, chaired or led one, or joined a conference."""
    for e in events:
        fields = vars(e)
        if name in (fields.get("actor"), fields.get("chair"), fields.get("lead")):
            return True
        visit = fields.get("visit")
        if isinstance(visit, dict) and visit.get("lead") == name:
            return True
        if name in (fields.get("participants") or ()):
            return True
    return False
