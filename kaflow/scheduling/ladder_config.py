"""``[[notify.ladder]]`` and ``[notify] digest_at`` in kaflow.toml: the escalation ladder of
each follow-up deadline and the daily digest, validated by pydantic. Read only by a
workspace that sets one of them. A bad rung is one line naming the rung and the key:

    kaflow.toml: [[notify.ladder]] 2: at: expected an ISO 8601 duration (P1D, -P2D, PT36H)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time, timedelta
from itertools import pairwise
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kaflow.clock import parse_duration
from kaflow.errors import WorkspaceError
from kaflow.scheduling.channels.config import NotifySettings

# Who a rung tells, as the deadline and the directory say at the rung's time.
Audience = Literal["lead", "owner", "manager", "director", "above", "process_owners"]
AUDIENCES: tuple[Audience, ...] = ("lead", "owner", "manager", "director", "above",
                                   "process_owners")  # fmt: skip
LONGEST = timedelta(days=365)
MOST_RUNGS = 10
KEYS = ("ladder", "digest_at")  # the [notify] keys read here


def offset(text: str) -> timedelta:
    """A rung's ``at``: an ISO 8601 duration after the due time, or before it with a
    leading minus (``-P2D``)."""
    written = text.strip()
    before = written.startswith("-")
    found = parse_duration(written[1:] if before else written)
    return -found if before else found


class Rung(BaseModel):
    """One rung: when, relative to the deadline's due time, and whom it tells."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: str
    to: tuple[Audience, ...] = Field(min_length=1)

    @field_validator("at")
    @classmethod
    def _at(cls, value: str) -> str:
        try:
            found = offset(value)
        except (ValueError, OverflowError):
            raise ValueError(
                f"{value!r} is not an ISO 8601 duration (P1D after the due time, -P2D before "
                "it, PT36H)"
            ) from None
        if abs(found) > LONGEST:
            raise ValueError("at most a year (P365D) either side of the due time")
        return value

    @field_validator("to")
    @classmethod
    def _once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(value))

    @property
    def offset(self) -> timedelta:
        return offset(self.at)


class Escalation(BaseModel):
    """The ladder's rungs, in order of their time, and when the daily digest is made."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ladder: tuple[Rung, ...] = ()
    digest_at: time | None = None  # the workspace's time of day

    def kinds(self) -> tuple[str, ...]:
        """The kinds of notice these settings add to the scheduler's."""
        return (("ladder",) if self.ladder else ()) + (("digest",) if self.digest_at else ())


def parse(
    table: dict[str, object],
    path: str,
    channels: Callable[[dict[str, object]], NotifySettings | None],
) -> tuple[Escalation | None, NotifySettings | None]:
    """The ladder and the digest of ``[notify]`` (None if neither is set), and its
    channels (read by ``channels``), which may name the kinds of notice these add in
    their ``notices``; a channel that names none takes every notice the workspace makes."""
    if not set(KEYS) & set(table):
        return None, channels(table)
    found = _escalation(table, path)
    kinds = found.kinds()
    raw = table.get("channels")
    if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw):
        return found, _widened(channels(table), kinds)  # the channels' own errors, if any
    # The channels' models know the scheduler's own kinds: those added here are set aside
    # while they are read, then given back.
    added = [[k for k in c.get("notices", []) if k in kinds] for c in raw]
    plain = [
        {**c, "notices": [k for k in c["notices"] if k not in kinds] or ["reminder"]}
        if isinstance(c.get("notices"), list)
        else c
        for c in raw
    ]
    read = channels({**table, "channels": plain})
    if read is None:
        return found, None
    given = [
        c.model_copy(update={"notices": _kept(c.notices, raw[n], kinds) + tuple(added[n])})
        if added[n]
        else c
        for n, c in enumerate(read.channels)
    ]
    return found, _widened(read.model_copy(update={"channels": tuple(given)}), kinds)


def _kept(notices: tuple[str, ...], raw: dict[str, Any], kinds: tuple[str, ...]) -> tuple[str, ...]:
    """The scheduler's own kinds a channel named (none if it named only added ones)."""
    return tuple(k for k in notices if k in raw["notices"] and k not in kinds)


def _escalation(table: dict[str, object], path: str) -> Escalation:
    raw = table.get("ladder", [])
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise WorkspaceError(f"{path}: [notify] ladder must be tables ([[notify.ladder]])")
    if len(raw) > MOST_RUNGS:
        raise WorkspaceError(f"{path}: [notify] ladder: at most {MOST_RUNGS} rungs")
    rungs = [_rung(number, found, path) for number, found in enumerate(raw, 1)]
    for number, (before, after) in enumerate(pairwise(rungs), 2):
        if after.offset <= before.offset:
            raise WorkspaceError(
                f"{path}: [[notify.ladder]] {number}: at: {after.at!r} must come after "
                f"rung {number - 1}'s {before.at!r} (rungs go in order of their time)"
            )
    return Escalation(ladder=tuple(rungs), digest_at=_digest_at(table, path))


def _rung(number: int, raw: dict[str, object], path: str) -> Rung:
    try:
        return Rung.model_validate(raw)
    except ValidationError as e:
        problem = e.errors()[0]
        key = ".".join(str(p) for p in problem["loc"] if not isinstance(p, int))
        if problem["type"] == "extra_forbidden":
            message = f"unknown setting {key!r} for a rung (known: at, to)"
        elif problem["type"] == "missing":
            message = f"{key}: missing"
        elif key == "to" and problem["type"] == "literal_error":
            message = f"to: {problem['input']!r} is not one (known: {', '.join(AUDIENCES)})"
        elif key == "to":
            message = f"to: name at least one of {', '.join(AUDIENCES)}"
        else:
            message = f"{key}: {str(problem['msg']).removeprefix('Value error, ')}"
        raise WorkspaceError(f"{path}: [[notify.ladder]] {number}: {message}") from None


def _digest_at(table: dict[str, object], path: str) -> time | None:
    value = table.get("digest_at")
    if value is None:
        return None
    found = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", value) if isinstance(value, str) else None
    if found is None:
        raise WorkspaceError(
            f'{path}: [notify] digest_at: expected a time of day as HH:MM (e.g. "08:00"), '
            f"found {value!r}"
        )
    return time(int(found[1]), int(found[2]))


def _widened(channels: NotifySettings | None, kinds: tuple[str, ...]) -> NotifySettings | None:
    if channels is None or not kinds:
        return channels
    named = [c for c in channels.channels if "notices" in c.model_fields_set]
    wide = [c if c in named else c.model_copy(update={"notices": c.notices + kinds})
            for c in channels.channels]  # fmt: skip
    return channels.model_copy(update={"channels": tuple(wide)})
