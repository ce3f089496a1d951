"""The commands that keep the account itself rather than step it through the procedure:
its owner, its own fields, its archiving (none is a lifecycle step)."""

from __future__ import annotations

import dataclasses
import typing
from typing import Annotated
from uuid import UUID

from pydantic_core import core_schema as cs

from kaflow.application.commands import Category, ProspectCommand, Required, Text
from kaflow.application.names import UserName

# Optional fields of an edit: None, not given; a text given is bounded as a command's.
MaybeText = Annotated[str | None, cs.nullable_schema(typing.get_args(Text)[1])]
MaybeRequired = Annotated[str | None, cs.nullable_schema(typing.get_args(Required)[1])]


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class AssignAccount(ProspectCommand):
    """Make another user the account's responsible salesperson."""

    trigger = "assign"
    to: UserName
    reason: Required


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class EditAccount(ProspectCommand):
    """Change the account's own fields (R1's classification, its name)."""

    trigger = "edit"
    name: MaybeRequired = None
    category: Category | None = None
    nature: MaybeText = None
    product_line: MaybeText = None
    service: MaybeText = None
    reason: Required

    def values(self) -> dict[str, str]:
        """The fields given, as the account keeps them."""
        given = {f: getattr(self, f) for f in ("name", "nature", "product_line", "service")}
        if self.category is not None:
            given["category"] = self.category.value
        return {f: v for f, v in given.items() if v is not None}


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ArchiveAccount(ProspectCommand):
    """Archive a duplicate or test account: it takes no more steps."""

    trigger = "archive"
    reason: Required
    duplicate_of: UUID | None = None
