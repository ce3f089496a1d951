"""Read models built from the event log with tracking.

A view is a set of plain SQL tables beside the events, and a tracking row saying up to
which position of the log it has applied. Rows and position are written in one
transaction, so each event counts exactly once, a crash mid-batch leaves no half-applied
event, and any view can be dropped and rebuilt from zero with the same result
(``kaflow.projections.runner``). Views read events; they never load aggregates.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, ClassVar, NamedTuple

from eventsourcing.utils import get_topic

from kaflow.aggregates.prospect import Prospect
from kaflow.errors import ConflictError, UnavailableError


class StaleViewError(ConflictError):
    """A view was rebuilt by another version of kaflow while this process ran."""


class ForeignTableError(UnavailableError):
    """The store holds a table kaflow did not make under a name a view needs."""


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
    sql_views: ClassVar[tuple[str, ...]] = ()  # SQL views over the tables, dropped first
    retired: ClassVar[tuple[str, ...]] = ()  # tables earlier versions had: dropped too
    schema: ClassVar[str]  # CREATE statements
    handlers: ClassVar[dict[str, str]]  # event class name -> method name

    # A table whose rows change many times in a batch (one per account): its rows are
    # read once, changed in memory, and written back once, at the end of the batch.
    row_table: ClassVar[str | None] = None

    def __init__(self) -> None:
        self._inserts: dict[str, list[tuple[Any, ...]]] = {}
        self._rows: dict[str, dict[str, Any]] = {}

    def row(self, db: Any, key: str) -> dict[str, Any]:
        """The ``row_table`` row of account ``key``, to change in place."""
        found = self._rows.get(key)
        if found is None:
            cursor = db.execute(f"SELECT * FROM {self.row_table} WHERE account_id = ?", (key,))
            columns = [d[0] for d in cursor.description]
            record = cursor.fetchone()
            if record is None:
                raise KeyError(key)
            found = self._rows[key] = dict(zip(columns, record, strict=True))
        return found

    def new_row(self, key: str, **values: Any) -> None:
        self._rows[key] = {"account_id": key, **values}

    def topics(self) -> list[str]:
        return [topic(name) for name in self.handlers]

    def insert(self, sql: str, row: tuple[Any, ...]) -> None:
        """Queue a row: rows are inserted together at the end of the batch (``flush``),
        in the same transaction, many times faster than one statement each."""
        self._inserts.setdefault(sql, []).append(row)

    def flush(self, db: Any) -> None:
        for sql, rows in self._inserts.items():
            rows.sort(key=_key)  # in key order: the B-tree grows in place, not at random
            db.executemany(sql, rows)
        self._inserts.clear()
        if self._rows:
            names = list(next(iter(self._rows.values())))
            changed = ", ".join(f"{n} = excluded.{n}" for n in names if n != "account_id")
            db.executemany(
                f"INSERT INTO {self.row_table} ({', '.join(names)}) "
                f"VALUES ({', '.join('?' * len(names))}) "
                f"ON CONFLICT (account_id) DO UPDATE SET {changed}",
                [tuple(r[n] for n in names) for r in sorted(self._rows.values(), key=_id)],
            )
            self._rows.clear()

    def discard(self) -> None:
        self._inserts.clear()
        self._rows.clear()

    def handler(self, topic: str) -> Any:
        """The bound method that applies events of ``topic``."""
        return getattr(self, self.handlers[topic.rsplit(".", 1)[1]])

    def apply(self, db: Any, event: Any, position: int) -> None:
        getattr(self, self.handlers[event.__class__.__name__])(db, event, position)


def _key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return row[:2]


def _id(row: dict[str, Any]) -> Any:
    return row["account_id"]


class Cut(NamedTuple):
    """Which facts a read counts: those that happened by ``happened`` (as the work stood
    then) and were recorded by ``recorded`` (as the record stood then), both in seconds
    since the epoch. A step is recorded when or after it happens, so a cut with
    ``happened`` later than ``recorded`` counts what ``(recorded, recorded)`` counts."""

    happened: float
    recorded: float

    @classmethod
    def at(cls, happened: datetime, recorded: datetime) -> Cut:
        return cls(happened.timestamp(), recorded.timestamp())

    @property
    def moment(self) -> float:
        """The moment the cut looks from: what had happened and been recorded by then
        decides what was due, late or overdue then."""
        return min(self.happened, self.recorded)

    def where(
        self, table: str = "", happened: str = "occurred_ts", recorded: str = "recorded_ts"
    ) -> str:
        """The SQL condition keeping a row of ``table`` (alias) inside the cut; its
        parameters are the cut itself (``tuple(cut)``). The earlier of the two bounds
        reads its index; the other is checked on the rows found (a unary ``+`` keeps a
        planner without statistics off its index). Callers sort in Python what they need
        in order: an ``ORDER BY`` would tempt the planner to scan every row in key order."""
        at = f"{table}." if table else ""
        if self.happened <= self.recorded:
            return f"{at}{happened} <= ? AND +{at}{recorded} <= ?"
        return f"+{at}{happened} <= ? AND {at}{recorded} <= ?"


def ts(moment: datetime | None) -> float | None:
    """A time as seconds since the epoch, for indexed comparisons in SQL."""
    return None if moment is None else moment.timestamp()


def period(column: str, since: datetime | None, until: datetime | None) -> tuple[str, list[float]]:
    """``AND`` conditions keeping ``column`` (seconds since the epoch) between ``since``
    and ``until``, either of them left open if not given, and their parameters."""
    sql, params = "", []
    for op, moment in ((">=", since), ("<=", until)):
        if moment is not None:
            sql += f" AND {column} {op} ?"
            params.append(moment.timestamp())
    return sql, params


def iso(moment: datetime | None) -> str | None:
    """A time as ISO 8601 text, with its own offset; the same times recur across the
    views of one event, so the text is cached (by instant and zone: equal instants in
    two zones compare equal, but are written differently)."""
    return None if moment is None else _iso(moment, moment.tzinfo)


@lru_cache(maxsize=4096)
def _iso(moment: datetime, zone: Any) -> str:
    return moment.isoformat()
