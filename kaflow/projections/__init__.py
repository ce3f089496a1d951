"""Read models built from the event log with tracking.

A view is a set of plain SQL tables beside the events, and a tracking row saying up to
which position of the log it has applied. Rows and position are written in one
transaction, so each event counts exactly once, a crash mid-batch leaves no half-applied
event, and any view can be dropped and rebuilt from zero with the same result
(``kaflow.projections.runner``). Views read events; they never load aggregates.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.utils import get_topic

from kaflow.aggregates.prospect import Prospect


class StaleViewError(RuntimeError):
    """A view was rebuilt by another version of kaflow while this process ran."""


def topic(name: str) -> str:
    """The log's topic of the account event class ``name`` (e.g. ``VisitRecorded``)."""
    return get_topic(getattr(Prospect, name))


class View:
    """One read model: its tables, the events it reads, and how each changes its rows.

    Raise ``version`` whenever the tables or what is written to them change: a view whose
    recorded version differs is rebuilt from zero before it is next read.
    """

    name: ClassVar[str]
    version: ClassVar[int] = 1
    tables: ClassVar[tuple[str, ...]]  # dropped on rebuild
    schema: ClassVar[str]  # CREATE statements
    handlers: ClassVar[dict[str, str]]  # event class name -> method name

    def topics(self) -> list[str]:
        return [topic(name) for name in self.handlers]

    def apply(self, db: sqlite3.Cursor, event: Any, position: int) -> None:
        getattr(self, self.handlers[type(event).__name__])(db, event, position)


def ts(moment: datetime | None) -> float | None:
    """A time as seconds since the epoch, for indexed comparisons in SQL."""
    return None if moment is None else moment.timestamp()


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
