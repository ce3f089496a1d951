"""Views folded in memory from a given run of events, not from the log: the views as
they would stand had the log held only those events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kaflow.projections import View
from kaflow.projections.db import SqliteDatabase
from kaflow.projections.runner import all_views


class Folded:
    """Views built in memory from the given events alone (each applied as the next one,
    whatever its version): what the views would say had the log held only those. A
    development record as of a moment is one account's events inside that cut, folded."""

    def __init__(self, events: Iterable[Any], views: Sequence[View] | None = None) -> None:
        self.database = SqliteDatabase(":memory:", 10)
        self.views = list(views) if views is not None else all_views()
        with self.database.writing() as cursor:
            for view in self.views:
                self.database.script(cursor, view.schema)
            for position, domain_event in enumerate(events, start=1):
                name = type(domain_event).__name__
                for view in self.views:
                    if name in view.handlers:
                        view.apply(cursor, domain_event, position)
            for view in self.views:
                view.flush(cursor)

    def reading(self) -> Any:
        return self.database.reading()

    def close(self) -> None:
        self.database.close()
