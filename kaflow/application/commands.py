"""Commands: what a user asks kaflow to do, validated by pydantic at the boundary.

Types, enums and dates are checked here (bad input, exit 2). Texts that a rule of the
procedure requires (the visit record of R10, the failure analysis of R13, ...) may be
empty here: the rule's own policy refuses them and names the rule.

Commands are frozen dataclasses whose fields carry their pydantic-core schema. They are
validated by pydantic's validation core directly rather than through ``BaseModel``:
importing pydantic's model machinery and building model schemas costs a short CLI
command more than all of its own work (benchmarks/cli_latency.py), while the validation,
its errors and their messages are pydantic's all the same.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from types import UnionType
from typing import Annotated, Any, ClassVar, Self
from uuid import UUID

from pydantic_core import CoreSchema, SchemaValidator, ValidationError
from pydantic_core import core_schema as cs

from kaflow.aggregates.directory import Role as Role
from kaflow.aggregates.lifecycle import State as State
from kaflow.application.fields import (
    LONG_TEXT_MAX as LONG_TEXT_MAX,
)
from kaflow.application.fields import (
    TEXT_MAX as TEXT_MAX,
)
from kaflow.application.fields import (
    ApproachMethod as ApproachMethod,
)
from kaflow.application.fields import (
    Attitude as Attitude,
)
from kaflow.application.fields import (
    Category as Category,
)
from kaflow.application.fields import (
    ContactChannel as ContactChannel,
)
from kaflow.application.fields import (
    EntryNumber as EntryNumber,
)
from kaflow.application.fields import (
    FollowUpChannel as FollowUpChannel,
)
from kaflow.application.fields import (
    LongText as LongText,
)
from kaflow.application.fields import (
    LossReason as LossReason,
)
from kaflow.application.fields import (
    MaybeUserName as MaybeUserName,
)
from kaflow.application.fields import (
    People as People,
)
from kaflow.application.fields import (
    Required as Required,
)
from kaflow.application.fields import (
    Text as Text,
)
from kaflow.application.fields import (
    UserNames as UserNames,
)
from kaflow.application.fields import (
    VisitManner as VisitManner,
)
from kaflow.application.names import NewUserName, UserName
from kaflow.application.validation import bad_input


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class Command:
    """What a user asks for. Who asks is not part of it: the application takes the
    acting user (``Actor``) that the front end authenticated, beside the command."""

    def __repr__(self) -> str:
        # One for every command: a generated one per class costs start-up time.
        fields = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self))
        return f"{type(self).__name__}({fields})"

    def __post_init__(self) -> None:
        # Built directly (by a scheduler, a test) rather than validated: a naive time
        # would break every later comparison, so it is refused here too.
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, datetime) and value.tzinfo is None:
                raise ValueError(f"{field.name} must be zone-aware")

    @classmethod
    def validate(cls, data: Mapping[str, Any], as_field: str | None = None) -> Self:
        """A command from plain input; bad input raises ``BadInputError`` naming the
        fields at fault (all under ``as_field`` if the input came as one)."""
        try:
            return cls(**_validator(cls).validate_python(dict(data)))
        except ValidationError as e:
            raise bad_input(e, as_field) from None


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class AddUser(Command):
    name: NewUserName
    role: Role
    effective_from: datetime | None = None


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ChangeRole(Command):
    name: UserName
    role: Role
    effective_from: datetime | None = None


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class DeactivateUser(Command):
    """A user leaves: no role from ``effective_from`` on; their open accounts go to
    ``hand_over_to``."""

    name: UserName
    effective_from: datetime | None = None
    hand_over_to: MaybeUserName = None


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class IdentifyProspect(Command):
    name: Required
    category: Category
    nature: Text
    product_line: Text = ""
    service: Text = ""
    occurred_at: datetime | None = None
    owner: MaybeUserName = None  # the responsible salesperson (default: who identifies)
    allow_duplicate: bool = False  # added even if an account is called (nearly) the same


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ProspectCommand(Command):
    trigger: ClassVar[str]  # the lifecycle trigger the command fires

    prospect_id: UUID
    occurred_at: datetime | None = None


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class DecideApproach(ProspectCommand):
    trigger = "approach"
    method: ApproachMethod
    chair: UserName
    notes: Text


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class RecordContact(ProspectCommand):
    trigger = "contact"
    channel: ContactChannel
    person: Text
    attitude: Attitude
    notes: Text


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class HoldConference(ProspectCommand):
    trigger = "conference"
    participants: UserNames
    notes: Text


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class PrepareMaterial(ProspectCommand):
    trigger = "prepare"
    customer_data: LongText
    analysis: LongText
    sales_materials: LongText


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class RecordVisit(ProspectCommand):
    trigger = "visit"
    lead: UserName
    place: Text
    manner: VisitManner
    points: LongText
    views: LongText
    next_steps: LongText
    person: People = ""  # the customer's people met

    def record(self) -> dict[str, str]:
        """The visit record (R10) as it is stored."""
        return {
            "lead": self.lead,
            "person": self.person,
            "place": self.place,
            "manner": self.manner.value,
            "points": self.points,
            "views": self.views,
            "next_steps": self.next_steps,
        }


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class RecordFollowUp(ProspectCommand):
    trigger = "follow_up"
    channel: FollowUpChannel
    feedback: LongText
    person: People = ""  # the customer's people phoned or met


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class WinAccount(ProspectCommand):
    trigger = "win"
    classification: Text
    summary: LongText


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class LoseAccount(ProspectCommand):
    trigger = "lose"
    reason: LossReason
    analysis: LongText


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ReopenAccount(ProspectCommand):
    trigger = "reopen"
    reason: Required


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ReviewRecord(ProspectCommand):
    """A review of the development record (R14); not a step of the lifecycle."""

    trigger = "review"
    remarks: Text


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class CorrectEntry(ProspectCommand):
    """A correction of one field of a record entry (R14); what it said is kept."""

    trigger = "correct"
    entry: EntryNumber
    field: Required
    value: LongText  # as long as the field corrected may be (see correction)
    reason: Text


def when(command: ProspectCommand | IdentifyProspect, now: datetime) -> datetime:
    """When the step happened: as given, or now."""
    return command.occurred_at or now


_VALIDATORS: dict[type[Command], SchemaValidator] = {}


def _validator(cls: type[Command]) -> SchemaValidator:
    """Built from the dataclass's fields on first use, once per command class."""
    if cls not in _VALIDATORS:
        hints = typing.get_type_hints(cls, include_extras=True)
        fields = {
            field.name: cs.typed_dict_field(
                schema_of(hints[field.name]), required=field.default is dataclasses.MISSING
            )
            for field in dataclasses.fields(cls)
        }
        _VALIDATORS[cls] = SchemaValidator(cs.typed_dict_schema(fields, extra_behavior="forbid"))
    return _VALIDATORS[cls]


def schema_of(hint: Any) -> CoreSchema:
    """The pydantic-core schema of a field's type."""
    if typing.get_origin(hint) is Annotated:
        return typing.cast(CoreSchema, hint.__metadata__[0])
    if typing.get_origin(hint) in (UnionType, typing.Union):
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return cs.nullable_schema(schema_of(inner))
    if isinstance(hint, type) and issubclass(hint, Enum):
        return cs.enum_schema(hint, list(hint), sub_type="str")
    if hint is UUID:
        return cs.uuid_schema()
    if hint is datetime:
        return cs.datetime_schema(tz_constraint="aware")
    if hint is bool:
        return cs.bool_schema(strict=True)
    raise TypeError(f"no schema for {hint!r}")
