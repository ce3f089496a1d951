"""A correction of the development record (R14) names an entry by its number on the
record and one of its fields: checked against the record's entries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kaflow.aggregates.record import CORRECTABLE, entries
from kaflow.application import commands as c
from kaflow.errors import BadInputError, NotFoundError, field

# The fields that hold a report (``LongText``): the rest hold at most ``TEXT_MAX``.
LONG_FIELDS = frozenset(
    {"customer-data", "analysis", "sales-materials", "points", "views", "next-steps", "feedback"}
)


def correction(events: Iterable[Any], cmd: Any) -> dict[str, str]:
    """The field a correction changes, as the record names it, and what it said before."""
    found = entries(events)
    if cmd.entry > len(found):
        raise NotFoundError(
            f"{field('entry')} {cmd.entry}: the record has {len(found)} entries", field="entry"
        )
    kind, fields = found[cmd.entry - 1]
    name = cmd.field.lower().replace("_", "-")
    if name not in CORRECTABLE[kind]:
        raise BadInputError(
            f"{field('field')} {cmd.field}: entry {cmd.entry} is a {kind}; what can be "
            f"corrected in it: {', '.join(CORRECTABLE[kind])}",
            field="field",
        )
    if name == "attitude" and cmd.value not in {a.value for a in c.Attitude}:
        raise BadInputError(
            f"{field('value')} {cmd.value}: an attitude is one of "
            + ", ".join(a.value for a in c.Attitude),
            field="value",
        )
    longest = c.LONG_TEXT_MAX if name in LONG_FIELDS else c.TEXT_MAX
    if len(cmd.value) > longest:
        raise BadInputError(
            f"{field('value')}: at most {longest} characters for {name} "
            f"(this has {len(cmd.value)})",
            field="value",
        )
    old = str(fields[name.replace("-", "_")])
    if old == cmd.value:
        raise BadInputError(
            f"{field('value')}: entry {cmd.entry}'s {name} says that already", field="value"
        )
    return {"field": name, "old": old}
