"""One page of the log handed to the views behind it: each event decoded once, only for
the views that have not applied it yet, after the views' versions are checked against
the code that runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kaflow.errors import UnavailableError, first_line, step
from kaflow.projections import StaleViewError, View
from kaflow.projections.db import Cursor

Decode = Callable[[Any], Any]  # a stored event (a notification) -> a domain event


class Dispatch:
    """Each topic's views and their handlers, bound once: the hot loop calls them directly.
    Events no view reads are passed over."""

    def __init__(self, views: Sequence[View], topics: Sequence[str]) -> None:
        self.by_topic = {t: [v for v in views if t in v.topics()] for t in topics}
        self.handle = {t: [v.handler(t) for v in vs] for t, vs in self.by_topic.items()}

    def apply(
        self, cursor: Cursor, page: Sequence[Any], positions: dict[str, int], decode: Decode
    ) -> int:
        """Apply each event of ``page`` to the views not yet past it; the number of updates."""
        applied = 0
        highest = max(positions.values())  # beyond it, every view needs the event
        for notification in page:
            methods = self.handle.get(notification.topic)
            if methods is None:
                continue
            if notification.id > highest:
                event = decode(notification)
                for method in methods:
                    method(cursor, event, notification.id)
                applied += len(methods)
                continue
            event = None
            for view in self.by_topic[notification.topic]:
                if notification.id > positions[view.name]:
                    event = event or decode(notification)
                    view.apply(cursor, event, notification.id)
                    applied += 1
        return applied


def decoder(app: Any) -> Decode:
    """The log's stored events as domain events; one that cannot be read stops the
    views where they are, said in one line (with its position), never a traceback."""
    to_domain_event = app.mapper.to_domain_event

    def decode(notification: Any) -> Any:
        try:
            return to_domain_event(notification)
        except Exception as e:  # stored bytes from outside: any decoding failure
            raise UnavailableError(
                f"the event at position {notification.id} of the log cannot be read "
                f"({type(e).__name__}: {first_line(e)}); nothing after it was applied: "
                f"run {step('store_check')}"
            ) from None

    return decode


def check_versions(cursor: Cursor, views: Sequence[View]) -> None:
    """Every view built by the version of its code that runs here (another process may
    have rebuilt it with another version of kaflow meanwhile)."""
    rows = cursor.execute("SELECT view, version FROM kaflow_tracking").fetchall()
    recorded = {row["view"]: row["version"] for row in rows}
    for view in views:
        if recorded.get(view.name) != view.version:
            raise StaleViewError(
                f"the view '{view.name}' was built by another version of kaflow "
                f"({recorded.get(view.name)}, this one needs {view.version}); "
                "restart this process to rebuild it"
            )
