"""Commands: what a user asks kaflow to do, validated with pydantic at the boundary.

Types, enums and dates are checked here (bad input, exit 2). Texts that a rule of the
procedure requires (the visit record of R10, the failure analysis of R13, ...) may be
empty here: the rule's own policy refuses them and names the rule.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from kaflow.aggregates.directory import Role

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
Required = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
UserName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^,\x00-\x1f]+$"
    ),
]


class Category(StrEnum):
    EXISTING = "existing"
    POTENTIAL = "potential"


class ApproachMethod(StrEnum):
    SEMINAR = "seminar"
    MATERIALS = "materials"
    VISIT = "visit"


class ContactChannel(StrEnum):
    LETTER = "letter"
    PHONE = "phone"
    EMAIL = "email"


class Attitude(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class VisitManner(StrEnum):
    FACE_TO_FACE = "face-to-face"
    VIDEO = "video"
    PHONE = "phone"


class FollowUpChannel(StrEnum):
    PHONE = "phone"
    VISIT = "visit"


class LossReason(StrEnum):
    PRICE = "price"
    TECHNOLOGY = "technology"
    POLICY = "policy"
    COMPETITOR = "competitor"
    RELATIONSHIP = "relationship"
    TIMING = "timing"
    OTHER = "other"


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    actor: UserName


class AddUser(Command):
    name: UserName
    role: Role
    effective_from: AwareDatetime | None = None


class ChangeRole(AddUser):
    pass


class IdentifyProspect(Command):
    name: Required
    category: Category
    nature: Text
    product_line: Text = ""
    service: Text = ""
    occurred_at: AwareDatetime | None = None


class ProspectCommand(Command):
    trigger: ClassVar[str]  # the lifecycle trigger the command fires

    prospect_id: UUID
    occurred_at: AwareDatetime | None = None


class DecideApproach(ProspectCommand):
    trigger = "approach"

    method: ApproachMethod
    chair: UserName
    notes: Text


class RecordContact(ProspectCommand):
    trigger = "contact"

    channel: ContactChannel
    person: Text
    attitude: Attitude
    notes: Text


class HoldConference(ProspectCommand):
    trigger = "conference"

    participants: list[UserName] = Field(min_length=1)
    notes: Text

    @field_validator("participants", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        """The CLI gives "A,B"."""
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value


class PrepareMaterial(ProspectCommand):
    trigger = "prepare"

    customer_data: Text
    analysis: Text
    sales_materials: Text


class RecordVisit(ProspectCommand):
    trigger = "visit"

    lead: UserName
    place: Text
    manner: VisitManner
    points: Text
    views: Text
    next_steps: Text


class RecordFollowUp(ProspectCommand):
    trigger = "follow_up"

    channel: FollowUpChannel
    feedback: Text


class WinAccount(ProspectCommand):
    trigger = "win"

    classification: Text
    summary: Text


class LoseAccount(ProspectCommand):
    trigger = "lose"

    reason: LossReason
    analysis: Text


class ReopenAccount(ProspectCommand):
    trigger = "reopen"

    reason: Required


def when(command: ProspectCommand | IdentifyProspect, now: datetime) -> datetime:
    """When the step happened: as given, or now."""
    return command.occurred_at or now
