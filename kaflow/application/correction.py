"""Commands on the development record (R14) that need its entries: a correction names
an entry by its number on the record and a field by the CLI's name for it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kaflow.application import commands as c
from kaflow.errors import BadInputError, NotFoundError
from kaflow.projections.ledger import CORRECTABLE, entries


def correction(events: Iterable[Any], cmd: Any) -> dict[str, str]:
    """The field a correction changes, as the CLI spells it, and what it said before."""
    found = entries(events)
    if cmd.entry > len(found):
        raise NotFoundError(f"--entry {cmd.entry}: the record has {len(found)} entries")
    kind, fields = found[cmd.entry - 1]
    field = cmd.field.lower().replace("_", "-")
    if field not in CORRECTABLE[kind]:
        raise BadInputError(
            f"--field {cmd.field}: entry {cmd.entry} is a {kind}; what can be corrected "
            f"in it: {', '.join(CORRECTABLE[kind])}"
        )
    if field == "attitude" and cmd.value not in {a.value for a in c.Attitude}:
        raise BadInputError(
            f"--value {cmd.value}: an attitude is one of " + ", ".join(a.value for a in c.Attitude)
        )
    old = str(fields[field.replace("-", "_")])
    if old == cmd.value:
        raise BadInputError(f"--value: entry {cmd.entry}'s {field} says that already")
    return {"field": field, "old": old}
