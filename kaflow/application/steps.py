"""What each command does to an account once the rules allow it, keyed by command class:
the aggregate's method, whether the lifecycle governs it, whether it settles an open
follow-up deadline (R11), and what it needs besides its fields."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from typing import Any
from uuid import UUID

from kaflow.aggregates.prospect import Prospect
from kaflow.application import commands as c
from kaflow.policies.follow_up_within import FollowUpPolicy

Act = Callable[[Prospect, Any, dict[str, Any]], None]


class Context:
    """What a step may need besides its command: the policy in force, the zone, and
    the account's events."""

    __slots__ = ("events", "policy", "zone")

    def __init__(
        self, policy: FollowUpPolicy, zone: tzinfo, events: Callable[[UUID], Iterable[Any]]
    ) -> None:
        self.policy, self.zone, self.events = policy, zone, events


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
    """The field corrected and what it said, from the record's entries."""
    from kaflow.application.correction import correction

    return correction(ctx.events(prospect.id), cmd)


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
        lambda p, x, m: p.record_follow_up(x.channel.value, x.feedback, **m),
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
    for name in ("lead", "chair"):
        if hasattr(cmd, name):
            names[name] = directory.canonical(getattr(cmd, name))
    if hasattr(cmd, "participants"):
        names["participants"] = list(
            dict.fromkeys(directory.canonical(p) for p in cmd.participants)
        )
    return names
