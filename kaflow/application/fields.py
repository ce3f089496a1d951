"""The fields commands are made of: texts and their limits, users' names, the
customer's people, entry numbers, and the codes a step records (categories, channels,
attitudes, manners, reasons lost), each with its pydantic-core schema."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic_core import core_schema as cs

from kaflow.application.names import NAME as _NAME

TEXT_MAX = 20_000  # characters of a note, a name of a person or place, a reason
LONG_TEXT_MAX = 500_000  # of a report: the visit record, the material, feedback, a summary
Text = Annotated[str, cs.str_schema(strip_whitespace=True, max_length=TEXT_MAX)]
Required = Annotated[str, cs.str_schema(strip_whitespace=True, min_length=1, max_length=TEXT_MAX)]
LongText = Annotated[str, cs.str_schema(strip_whitespace=True, max_length=LONG_TEXT_MAX)]
EntryNumber = Annotated[int, cs.int_schema(ge=1)]
MaybeUserName = Annotated[str | None, cs.nullable_schema(_NAME)]


def _split_names(value: object) -> object:
    """The CLI gives "A,B" (or "A，B", with the full-width comma of Chinese text)."""
    if isinstance(value, str):
        return [name.strip() for name in re.split("[,\uff0c]", value) if name.strip()]
    return value


UserNames = Annotated[
    list[str],
    cs.no_info_before_validator_function(_split_names, cs.list_schema(_NAME, min_length=1)),
]


def _join_people(value: str) -> str:
    """The customer's people met or phoned, "A,B" or "A，B", kept as "A, B"."""
    return ", ".join(name.strip() for name in re.split("[,\uff0c]", value) if name.strip())


# The customer's people (not users): one or more names, comma-separated.
People = Annotated[
    str,
    cs.no_info_after_validator_function(
        _join_people, cs.str_schema(strip_whitespace=True, max_length=TEXT_MAX)
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
